//! `START (..) END (..) EVERY (..)` expanded into single fixed-range partitions with
//! StarRocks's generated names (`sql/ast/MultiRangePartitionDesc.java`, `convertToSingle`):
//!
//! | EVERY | name | next lower bound |
//! |---|---|---|
//! | `INTERVAL n HOUR` | `p` + `yyyyMMddHH` of the lower bound | hour start + n hours |
//! | `INTERVAL n DAY` | `p` + `yyyyMMdd` | midnight + n days (the last may end after END) |
//! | `INTERVAL n WEEK` | `p` + `yyyy_ww` of the week's Monday (Java `Calendar.WEEK_OF_YEAR`, 53 for a late-December week counted as week 1) | that Monday + n weeks |
//! | `INTERVAL n MONTH` | `p` + `yyyyMM` of the lower bound | day `start_day_of_month` + n months |
//! | `INTERVAL n YEAR` | `p` + `yyyy` | January 1st + n years |
//! | `n` (integers) | `p` + lower bound | lower + n |
//!
//! The first partition starts at START as written; every bound but DAY's is clamped to END.
//! Temporary partitions use the prefix `tp`; `dynamic_partition.prefix`,
//! `dynamic_partition.start_day_of_week` (1 = Monday) and `dynamic_partition.start_day_of_month`
//! in the table properties change the prefix and the alignment, as in StarRocks.
//!
//! Java's `Calendar` week numbers depend on the FE's locale; this follows the `en_US` rules
//! (weeks start on Sunday, week 1 holds January 1st).

use crate::catalog::partition_error::PartitionError;
use crate::catalog::partition_value::{
    is_date_type, is_integer_type, parse_date_time, primitive_type_name, TimeUnit,
};
use crate::catalog::types::DataType;
use crate::sql::partition::{BatchRangePartition, Every};
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};

/// Most partitions one batch clause may create (FE config `max_partitions_in_one_batch`).
pub const MAX_PARTITIONS_IN_ONE_BATCH: u64 = 4096;

/// One partition of an expanded batch: its name and bounds as literal text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchPartition {
    pub name: String,
    pub lower: String,
    pub upper: String,
}

/// Where the batch is expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BatchContext {
    /// ADD TEMPORARY PARTITIONS: prefix `tp`.
    pub temporary: bool,
    /// The table is expression (automatically) partitioned: only an interval of 1.
    pub automatic: bool,
}

/// Checks the batch clause on its own (`PartitionDescAnalyzer.analyzeMultiRangePartitionDesc`):
/// a positive step and a supported unit.
pub fn check_batch(batch: &BatchRangePartition) -> Result<(), PartitionError> {
    let (step, unit) = match &batch.every {
        Every::Interval { step, unit } => (*step, Some(unit)),
        Every::Number(n) => (*n, None),
    };
    if step <= 0 {
        return Err(PartitionError::BatchStepNotPositive);
    }
    if let Some(unit) = unit {
        match TimeUnit::from_name(unit) {
            None => return Err(PartitionError::BatchUnknownUnit),
            Some(
                TimeUnit::Hour | TimeUnit::Day | TimeUnit::Week | TimeUnit::Month | TimeUnit::Year,
            ) => {}
            Some(_) => return Err(PartitionError::BatchUnsupportedUnit(unit.clone())),
        }
    }
    Ok(())
}

fn prop<'a>(props: &'a [(String, String)], key: &str) -> Option<&'a str> {
    props
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v.as_str())
}

/// `FeNameFormat.COMMON_NAME_REGEX` (`^[a-zA-Z]\w{0,63}$|^_[a-zA-Z0-9]\w{0,62}$`) and the
/// forbidden prefix `placeholder_`. Lives here because batch expansion checks a
/// `dynamic_partition.prefix` with it too.
pub fn check_partition_name(name: &str) -> Result<(), PartitionError> {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut chars = name.chars();
    let ok = match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => name.len() <= 64 && chars.all(word),
        Some('_') => {
            let rest: Vec<char> = chars.collect();
            name.len() <= 64
                && rest.first().is_some_and(|c| c.is_ascii_alphanumeric())
                && rest.iter().all(|c| word(*c))
        }
        _ => false,
    };
    if !ok || name.starts_with("placeholder_") {
        return Err(PartitionError::IncorrectName(name.to_string()));
    }
    Ok(())
}

/// `DynamicPartitionUtil.checkPrefix`: a prefix must itself be a valid partition name.
pub fn check_prefix(prefix: &str) -> Result<(), PartitionError> {
    check_partition_name(prefix).map_err(|_| PartitionError::DynamicPrefix(prefix.to_string()))
}

/// `Integer.parseInt` of a property value: an optional sign and digits, no blanks.
pub fn java_int(v: &str) -> Option<i32> {
    v.parse::<i32>().ok()
}

/// `DynamicPartitionUtil.checkStartDayOfWeek`: 1 (Monday) .. 7 (Sunday).
pub fn check_start_day_of_week(v: &str) -> Result<u32, PartitionError> {
    let key = "dynamic_partition.start_day_of_week";
    let n = java_int(v).ok_or(PartitionError::DynamicInvalidProperty(key))?;
    if !(1..=7).contains(&n) {
        return Err(PartitionError::DynamicStartDayOfWeekRange);
    }
    Ok(n as u32)
}

/// `DynamicPartitionUtil.checkStartDayOfMonth`: 1 .. 28 (no month lacks those days).
pub fn check_start_day_of_month(v: &str) -> Result<u32, PartitionError> {
    let key = "dynamic_partition.start_day_of_month";
    let n = java_int(v).ok_or(PartitionError::DynamicInvalidProperty(key))?;
    if !(1..=28).contains(&n) {
        return Err(PartitionError::DynamicStartDayOfMonthRange);
    }
    Ok(n as u32)
}

/// Expands `batch` for a first partition column of type `column_type` (`convertToSingle`).
pub fn expand_batch(
    batch: &BatchRangePartition,
    column_type: &DataType,
    properties: &[(String, String)],
    ctx: BatchContext,
    limit: u64,
) -> Result<Vec<BatchPartition>, PartitionError> {
    check_batch(batch)?;
    if is_date_type(column_type) {
        expand_dates(batch, column_type, properties, ctx, limit)
    } else if is_integer_type(column_type) {
        expand_numbers(batch, ctx, limit)
    } else {
        Err(PartitionError::BatchUnsupportedType(primitive_type_name(
            column_type,
        )))
    }
}

fn expand_numbers(
    batch: &BatchRangePartition,
    ctx: BatchContext,
    limit: u64,
) -> Result<Vec<BatchPartition>, PartitionError> {
    let step = match &batch.every {
        Every::Number(n) => *n,
        Every::Interval { .. } => return Err(PartitionError::BatchDateMismatch),
    };
    let parse = |s: &str| {
        s.trim()
            .parse::<i64>()
            .map_err(|_| PartitionError::BatchNumberMismatch)
    };
    let (mut begin, end) = (parse(&batch.start)?, parse(&batch.end)?);
    if begin >= end {
        return Err(PartitionError::BatchNumberOrder);
    }
    let prefix = if ctx.temporary { "tp" } else { "p" };
    let mut out = Vec::new();
    while begin < end {
        let lower = begin;
        begin = begin.saturating_add(step);
        out.push(BatchPartition {
            name: format!("{prefix}{lower}"),
            lower: lower.to_string(),
            upper: begin.to_string(),
        });
        if out.len() as u64 > limit {
            return Err(PartitionError::BatchTooMany(limit));
        }
    }
    Ok(out)
}

fn expand_dates(
    batch: &BatchRangePartition,
    column_type: &DataType,
    properties: &[(String, String)],
    ctx: BatchContext,
    limit: u64,
) -> Result<Vec<BatchPartition>, PartitionError> {
    let (mut begin, end) = match (parse_date_time(&batch.start), parse_date_time(&batch.end)) {
        (Some(b), Some(e)) => (b, e),
        _ => return Err(PartitionError::BatchDateMismatch),
    };
    if begin >= end {
        return Err(PartitionError::BatchDateOrder);
    }
    let (step, unit_name) = match &batch.every {
        Every::Interval { step, unit } => (*step, unit),
        Every::Number(_) => return Err(PartitionError::BatchMissingUnit),
    };
    if ctx.automatic && step != 1 {
        return Err(PartitionError::AutoBatchStep);
    }
    // `convertToSingle` checks the properties it reads and rethrows as analysis errors.
    let wrap = |e: PartitionError| PartitionError::BatchProperty(Box::new(e));
    let day_of_week = match prop(properties, "dynamic_partition.start_day_of_week") {
        Some(v) => check_start_day_of_week(v).map_err(wrap)?,
        None => 1,
    };
    let day_of_month = match prop(properties, "dynamic_partition.start_day_of_month") {
        Some(v) => check_start_day_of_month(v).map_err(wrap)?,
        None => 1,
    };
    let prefix = match prop(properties, "dynamic_partition.prefix") {
        Some(p) => {
            check_prefix(p).map_err(wrap)?;
            p.to_string()
        }
        None if ctx.temporary => "tp".to_string(),
        None => "p".to_string(),
    };
    let unit = TimeUnit::from_name(unit_name).ok_or(PartitionError::BatchUnknownUnit)?;
    let fmt = |t: NaiveDateTime| match column_type {
        DataType::Date => t.format("%Y-%m-%d").to_string(),
        _ => t.format("%Y-%m-%d %H:%M:%S").to_string(),
    };
    let too_far = || PartitionError::BatchDateOrder;
    let mut out = Vec::new();
    while begin < end {
        let lower = fmt(begin);
        let name;
        match unit {
            TimeUnit::Hour => {
                name = format!("{prefix}{}", begin.format("%Y%m%d%H"));
                begin = TimeUnit::Hour
                    .add(TimeUnit::Hour.trunc(begin), step)
                    .ok_or_else(too_far)?;
            }
            TimeUnit::Day => {
                name = format!("{prefix}{}", begin.format("%Y%m%d"));
                begin = TimeUnit::Day
                    .add(TimeUnit::Day.trunc(begin), step)
                    .ok_or_else(too_far)?;
            }
            TimeUnit::Week => {
                begin = previous_or_same(begin, day_of_week);
                let (year, week) = java_week_of_year(begin.date());
                name = format!("{prefix}{year}_{week:02}");
                begin = TimeUnit::Week.add(begin, step).ok_or_else(too_far)?;
            }
            TimeUnit::Month => {
                name = format!("{prefix}{}", begin.format("%Y%m"));
                let d = begin.date().with_day(day_of_month).unwrap_or(begin.date());
                begin = TimeUnit::Month
                    .add(d.and_time(begin.time()), step)
                    .ok_or_else(too_far)?;
            }
            TimeUnit::Year => {
                name = format!("{prefix}{}", begin.format("%Y"));
                let d = begin.date().with_ordinal(1).unwrap_or(begin.date());
                begin = TimeUnit::Year
                    .add(d.and_time(begin.time()), step)
                    .ok_or_else(too_far)?;
            }
            _ => return Err(PartitionError::BatchUnsupportedUnit(unit_name.clone())),
        }
        if unit != TimeUnit::Day && begin > end {
            begin = end;
        }
        out.push(BatchPartition {
            name,
            lower,
            upper: fmt(begin),
        });
        if out.len() as u64 > limit {
            return Err(PartitionError::BatchTooMany(limit));
        }
    }
    Ok(out)
}

/// `t.with(TemporalAdjusters.previousOrSame(DayOfWeek.of(day)))` (1 = Monday .. 7 = Sunday).
pub fn previous_or_same(t: NaiveDateTime, day: u32) -> NaiveDateTime {
    let target = match day {
        2 => Weekday::Tue,
        3 => Weekday::Wed,
        4 => Weekday::Thu,
        5 => Weekday::Fri,
        6 => Weekday::Sat,
        7 => Weekday::Sun,
        _ => Weekday::Mon,
    };
    let back = (7 + t.weekday().num_days_from_monday() - target.num_days_from_monday()) % 7;
    t - Duration::days(i64::from(back))
}

/// The `(YEAR, WEEK_OF_YEAR)` StarRocks puts in a week partition name: Java
/// `Calendar.WEEK_OF_YEAR` under `en_US` (Sunday-first weeks, week 1 holds January 1st), with
/// a December date counted as week 1 of the next year turned into week 53 (`weekOfYear += 52`).
pub fn java_week_of_year(d: NaiveDate) -> (i32, u32) {
    let sunday_start =
        |x: NaiveDate| x - Duration::days(i64::from(x.weekday().num_days_from_sunday()));
    let year = d.year();
    let next_jan1 = NaiveDate::from_ymd_opt(year + 1, 1, 1);
    let mut week = match next_jan1 {
        Some(n) if d >= sunday_start(n) => 1,
        _ => {
            let jan1 = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(d);
            (d.ordinal0() + jan1.weekday().num_days_from_sunday()) / 7 + 1
        }
    };
    if week <= 1 && d.month() == 12 {
        week += 52;
    }
    (year, week)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(start: &str, end: &str, every: Every) -> BatchRangePartition {
        BatchRangePartition {
            start: start.into(),
            end: end.into(),
            every,
        }
    }

    fn iv(step: i64, unit: &str) -> Every {
        Every::Interval {
            step,
            unit: unit.into(),
        }
    }

    fn expand(b: &BatchRangePartition, t: DataType) -> Result<Vec<BatchPartition>, PartitionError> {
        expand_batch(
            b,
            &t,
            &[],
            BatchContext::default(),
            MAX_PARTITIONS_IN_ONE_BATCH,
        )
    }

    fn names(v: &[BatchPartition]) -> Vec<&str> {
        v.iter().map(|p| p.name.as_str()).collect()
    }

    fn bp(name: &str, lower: &str, upper: &str) -> BatchPartition {
        BatchPartition {
            name: name.into(),
            lower: lower.into(),
            upper: upper.into(),
        }
    }

    #[test]
    fn day_expansion_names_and_bounds() {
        let v = expand(
            &batch("2021-01-01", "2021-01-04", iv(1, "DAY")),
            DataType::Date,
        )
        .unwrap();
        assert_eq!(
            v,
            vec![
                bp("p20210101", "2021-01-01", "2021-01-02"),
                bp("p20210102", "2021-01-02", "2021-01-03"),
                bp("p20210103", "2021-01-03", "2021-01-04"),
            ]
        );
        // DAY is not clamped to END: the last partition may end after it.
        let v = expand(
            &batch("2021-01-01", "2021-01-04", iv(2, "day")),
            DataType::Date,
        )
        .unwrap();
        assert_eq!(v[1], bp("p20210103", "2021-01-03", "2021-01-05"));
        // DATETIME columns print full datetimes.
        let v = expand(
            &batch("2021-01-01", "2021-01-02", iv(1, "DAY")),
            DataType::Datetime,
        )
        .unwrap();
        assert_eq!(
            v,
            vec![bp(
                "p20210101",
                "2021-01-01 00:00:00",
                "2021-01-02 00:00:00"
            )]
        );
    }

    #[test]
    fn week_month_year_hour_expansion() {
        let v = expand(
            &batch("2021-01-01", "2021-01-20", iv(1, "WEEK")),
            DataType::Date,
        )
        .unwrap();
        // 2021-01-01 is a Friday: its week's Monday is 2020-12-28, a late-December week 1 -> 53.
        assert_eq!(
            v,
            vec![
                bp("p2020_53", "2021-01-01", "2021-01-04"),
                bp("p2021_02", "2021-01-04", "2021-01-11"),
                bp("p2021_03", "2021-01-11", "2021-01-18"),
                bp("p2021_04", "2021-01-18", "2021-01-20"),
            ]
        );
        let v = expand(
            &batch("2021-01-15", "2021-04-01", iv(1, "MONTH")),
            DataType::Date,
        )
        .unwrap();
        assert_eq!(
            v,
            vec![
                bp("p202101", "2021-01-15", "2021-02-01"),
                bp("p202102", "2021-02-01", "2021-03-01"),
                bp("p202103", "2021-03-01", "2021-04-01"),
            ]
        );
        let v = expand(
            &batch("2019-01-01", "2021-06-01", iv(1, "YEAR")),
            DataType::Date,
        )
        .unwrap();
        assert_eq!(names(&v), vec!["p2019", "p2020", "p2021"]);
        assert_eq!(v[2], bp("p2021", "2021-01-01", "2021-06-01"));
        let v = expand(
            &batch("2021-01-01 22:00:00", "2021-01-02 01:00:00", iv(1, "HOUR")),
            DataType::Datetime,
        )
        .unwrap();
        assert_eq!(names(&v), vec!["p2021010122", "p2021010123", "p2021010200"]);
        assert_eq!(
            v[2],
            bp("p2021010200", "2021-01-02 00:00:00", "2021-01-02 01:00:00")
        );
    }

    #[test]
    fn numeric_expansion_and_prefixes() {
        let v = expand(&batch("1", "25", Every::Number(10)), DataType::Int).unwrap();
        assert_eq!(
            v,
            vec![
                bp("p1", "1", "11"),
                bp("p11", "11", "21"),
                bp("p21", "21", "31")
            ]
        );
        let ctx = BatchContext {
            temporary: true,
            automatic: false,
        };
        let v = expand_batch(
            &batch("0", "2", Every::Number(1)),
            &DataType::Bigint,
            &[],
            ctx,
            MAX_PARTITIONS_IN_ONE_BATCH,
        )
        .unwrap();
        assert_eq!(names(&v), vec!["tp0", "tp1"]);
        let props = vec![
            ("dynamic_partition.prefix".to_string(), "d".to_string()),
            (
                "dynamic_partition.start_day_of_month".to_string(),
                "5".to_string(),
            ),
        ];
        let v = expand_batch(
            &batch("2021-01-05", "2021-03-05", iv(1, "MONTH")),
            &DataType::Date,
            &props,
            BatchContext::default(),
            MAX_PARTITIONS_IN_ONE_BATCH,
        )
        .unwrap();
        assert_eq!(
            v,
            vec![
                bp("d202101", "2021-01-05", "2021-02-05"),
                bp("d202102", "2021-02-05", "2021-03-05")
            ]
        );
    }

    #[test]
    fn batch_errors_carry_starrocks_texts() {
        let e = |b: BatchRangePartition, t: DataType| expand(&b, t).unwrap_err().to_string();
        assert_eq!(
            e(
                batch("2021-01-01", "2021-01-02", iv(0, "DAY")),
                DataType::Date
            ),
            "The interval of the Multi-Range Partition must be greater than 0"
        );
        assert_eq!(
            e(
                batch("2021-01-01", "2021-01-02", iv(1, "SECOND")),
                DataType::Date
            ),
            "Batch build partition does not support time interval type: SECOND"
        );
        assert_eq!(
            e(
                batch("2021-01-01", "2021-01-02", iv(1, "FORTNIGHT")),
                DataType::Date
            ),
            "Batch build partition does not support time interval type."
        );
        assert_eq!(
            e(
                batch("2021-01-02", "2021-01-01", iv(1, "DAY")),
                DataType::Date
            ),
            "Batch build partition start date should less than end date."
        );
        assert_eq!(
            e(batch("abc", "2021-01-01", iv(1, "DAY")), DataType::Date),
            "Batch build partition EVERY is date type but START or END does not type match."
        );
        assert_eq!(
            e(
                batch("2021-01-01", "2021-01-02", Every::Number(1)),
                DataType::Date
            ),
            "Unknown timeunit for batch build partition."
        );
        assert_eq!(
            e(batch("1", "10", iv(1, "DAY")), DataType::Int),
            "Batch build partition EVERY is date type but START or END does not type match."
        );
        assert_eq!(
            e(batch("a", "10", Every::Number(1)), DataType::Int),
            "Batch build partition EVERY is number type but START or END does not type match."
        );
        assert_eq!(
            e(batch("10", "10", Every::Number(1)), DataType::Int),
            "Batch build partition start value should less then end value."
        );
        assert_eq!(
            e(
                batch("a", "b", Every::Number(1)),
                DataType::Varchar(Some(3))
            ),
            "Unsupported batch partition build type:VARCHAR."
        );
        let too_many = expand_batch(
            &batch("2021-01-01", "2021-01-05", iv(1, "DAY")),
            &DataType::Date,
            &[],
            BatchContext::default(),
            3,
        )
        .unwrap_err();
        assert_eq!(
            too_many.to_string(),
            "The number of batch partitions should not exceed:3"
        );
        // Exactly the limit is allowed.
        assert!(expand_batch(
            &batch("2021-01-01", "2021-01-04", iv(1, "DAY")),
            &DataType::Date,
            &[],
            BatchContext::default(),
            3
        )
        .is_ok());
        let auto = BatchContext {
            temporary: false,
            automatic: true,
        };
        assert_eq!(
            expand_batch(
                &batch("2021-01-01", "2021-01-05", iv(2, "DAY")),
                &DataType::Date,
                &[],
                auto,
                10
            )
            .unwrap_err(),
            PartitionError::AutoBatchStep
        );
    }

    #[test]
    fn dynamic_properties_read_by_a_batch_are_checked() {
        let run = |key: &str, value: &str| {
            let props = vec![(key.to_string(), value.to_string())];
            expand_batch(
                &batch("2021-01-01", "2021-03-01", iv(1, "MONTH")),
                &DataType::Date,
                &props,
                BatchContext::default(),
                MAX_PARTITIONS_IN_ONE_BATCH,
            )
        };
        let e: crate::error::SqlError = run("dynamic_partition.start_day_of_week", "0")
            .unwrap_err()
            .into();
        assert_eq!(
            e.message,
            "Getting analyzing error. Detail message: dynamic_partition.start_day_of_week should between 1 and 7."
        );
        assert_eq!(
            run("dynamic_partition.start_day_of_month", "x")
                .unwrap_err()
                .to_string(),
            "Invalid properties: dynamic_partition.start_day_of_month"
        );
        assert_eq!(
            run("dynamic_partition.start_day_of_month", "31")
                .unwrap_err()
                .to_string(),
            "dynamic_partition.start_day_of_month should between 1 and 28"
        );
        assert_eq!(
            run("dynamic_partition.prefix", "9x")
                .unwrap_err()
                .to_string(),
            "Invalid dynamic partition prefix: 9x."
        );
        assert_eq!(check_partition_name("p_1"), Ok(()));
        assert_eq!(
            check_partition_name("placeholder_1"),
            Err(PartitionError::IncorrectName("placeholder_1".into()))
        );
        assert_eq!(java_int("+7"), Some(7));
        assert_eq!(java_int(" 7"), None);
    }

    #[test]
    fn java_weeks_follow_en_us_calendar() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(java_week_of_year(d("2019-12-30")), (2019, 53));
        assert_eq!(java_week_of_year(d("2020-01-06")), (2020, 2));
        assert_eq!(java_week_of_year(d("2020-01-01")), (2020, 1));
        assert_eq!(java_week_of_year(d("2021-06-14")), (2021, 25));
    }
}
