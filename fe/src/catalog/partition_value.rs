//! Typed partition values: what a partition bound or list value holds and what a row's
//! partition column is compared as (StarRocks `LiteralExpr` in a `PartitionKey`), their text
//! forms (`getStringValue`), the per-type minimum a range starts at (`createInfinity`), and the
//! calendar arithmetic of time units (`TimestampArithmeticExpr.TimeUnit`).
//!
//! DATE and DATETIME are proleptic Gregorian without a time zone, as Java's `LocalDateTime`.

use super::partition_error::PartitionError;
use super::types::DataType;
use chrono::{Datelike, Duration, Months, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A DATE: days from 0001-01-01 (day 1, chrono's `num_days_from_ce`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Date(i32);

/// A DATETIME: microseconds from 1970-01-01 00:00:00 (no time zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Datetime(i64);

impl Date {
    /// `0000-01-01`, StarRocks's smallest DATE (`DateLiteral.createMinValue`).
    pub fn min_value() -> Self {
        Self::from_ymd(0, 1, 1).unwrap_or(Date(0))
    }

    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, day).map(Self::from_naive)
    }

    pub fn from_naive(d: NaiveDate) -> Self {
        Date(d.num_days_from_ce())
    }

    pub fn to_naive(self) -> NaiveDate {
        NaiveDate::from_num_days_from_ce_opt(self.0).unwrap_or_default()
    }

    /// `yyyy-MM-dd`, `yyyyMMdd`, or a datetime text whose time part is dropped.
    pub fn parse(s: &str) -> Option<Self> {
        parse_date_time(s).map(|dt| Self::from_naive(dt.date()))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.to_naive();
        write!(f, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
    }
}

impl Datetime {
    /// `0000-01-01 00:00:00`.
    pub fn min_value() -> Self {
        Self::from_naive(Date::min_value().to_naive().and_time(NaiveTime::MIN))
    }

    pub fn from_naive(dt: NaiveDateTime) -> Self {
        Datetime(dt.and_utc().timestamp_micros())
    }

    pub fn to_naive(self) -> NaiveDateTime {
        chrono::DateTime::from_timestamp_micros(self.0)
            .map(|t| t.naive_utc())
            .unwrap_or_default()
    }

    /// `yyyy-MM-dd HH:mm:ss[.ffffff]`, `yyyyMMddHHmmss`, or a date (midnight).
    pub fn parse(s: &str) -> Option<Self> {
        parse_date_time(s).map(Self::from_naive)
    }
}

impl fmt::Display for Datetime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.to_naive();
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )?;
        let micros = t.nanosecond() / 1000;
        if micros != 0 {
            write!(f, ".{micros:06}")?;
        }
        Ok(())
    }
}

/// Parses the date and datetime texts StarRocks's `DateUtils.probeFormat` accepts: `yyyy-MM-dd`,
/// `yyyyMMdd`, `yyyy-MM-dd HH:mm:ss[.f]`, `yyyyMMddHHmmss`, `yyyy-MM-ddTHH:mm:ss`.
pub fn parse_date_time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    let all_digits = s.chars().all(|c| c.is_ascii_digit());
    if all_digits && s.len() == 8 {
        return NaiveDate::parse_from_str(s, "%Y%m%d")
            .ok()
            .map(|d| d.and_time(NaiveTime::MIN));
    }
    if all_digits && s.len() == 14 {
        return NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M%S").ok();
    }
    if s.len() == 10 {
        return NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .map(|d| d.and_time(NaiveTime::MIN));
    }
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f"))
        .ok()
}

/// A partition value. One column holds one kind (plus `Null` in rows and `Max` in upper
/// bounds), so the derived order is the value order; `Null` sorts below every value and `Max`
/// above, as in StarRocks's BE comparison (nulls first) and `MaxLiteral`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PartitionValue {
    Null,
    Bool(bool),
    /// TINYINT .. LARGEINT.
    Int(i128),
    Date(Date),
    Datetime(Datetime),
    /// CHAR / VARCHAR.
    Str(String),
    /// MAXVALUE.
    Max,
}

impl PartitionValue {
    /// The literal as StarRocks's `getStringValue` writes it (`2020-01-01`, `10`,
    /// `2020-01-01 00:00:00`); `MAXVALUE` for Max and `NULL` for Null.
    pub fn string_value(&self) -> String {
        match self {
            PartitionValue::Null => "NULL".into(),
            // BoolLiteral.getStringValue: "TRUE"/"FALSE" (unverified for 3.4).
            PartitionValue::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            PartitionValue::Int(i) => i.to_string(),
            PartitionValue::Date(d) => d.to_string(),
            PartitionValue::Datetime(d) => d.to_string(),
            PartitionValue::Str(s) => s.clone(),
            PartitionValue::Max => "MAXVALUE".into(),
        }
    }

    /// Parses a literal for a column of type `t` (`PartitionValue.getValue(type)`).
    pub fn parse(text: &str, t: &DataType) -> Result<Self, PartitionError> {
        let int = |lo: i128, hi: i128| -> Result<Self, PartitionError> {
            let v: i128 = text
                .trim()
                .parse()
                .map_err(|_| PartitionError::InvalidNumber(text.to_string()))?;
            if v < lo || v > hi {
                return Err(PartitionError::NumberOutOfRange {
                    value: text.to_string(),
                    type_name: primitive_type_name(t),
                });
            }
            Ok(PartitionValue::Int(v))
        };
        match t {
            DataType::Tinyint => int(i8::MIN as i128, i8::MAX as i128),
            DataType::Smallint => int(i16::MIN as i128, i16::MAX as i128),
            DataType::Int => int(i32::MIN as i128, i32::MAX as i128),
            DataType::Bigint => int(i64::MIN as i128, i64::MAX as i128),
            DataType::Largeint => int(i128::MIN, i128::MAX),
            DataType::Date => Date::parse(text)
                .map(PartitionValue::Date)
                .ok_or_else(|| PartitionError::InvalidDate(text.to_string())),
            DataType::Datetime => Datetime::parse(text)
                .map(PartitionValue::Datetime)
                .ok_or_else(|| PartitionError::InvalidDate(text.to_string())),
            DataType::Char(_) | DataType::Varchar(_) => Ok(PartitionValue::Str(text.to_string())),
            DataType::Boolean => match text.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(PartitionValue::Bool(true)),
                "false" | "0" => Ok(PartitionValue::Bool(false)),
                _ => Err(PartitionError::InvalidNumber(text.to_string())),
            },
            other => Err(PartitionError::UnsupportedValueType(other.to_sql())),
        }
    }

    /// The smallest value of a range-partition column type (`LiteralExpr.createInfinity(t,
    /// false)`): the type's minimum integer, `0000-01-01`, `0000-01-01 00:00:00`.
    pub fn min_of(t: &DataType) -> Option<Self> {
        Some(match t {
            DataType::Tinyint => PartitionValue::Int(i8::MIN as i128),
            DataType::Smallint => PartitionValue::Int(i16::MIN as i128),
            DataType::Int => PartitionValue::Int(i32::MIN as i128),
            DataType::Bigint => PartitionValue::Int(i64::MIN as i128),
            DataType::Largeint => PartitionValue::Int(i128::MIN),
            DataType::Date => PartitionValue::Date(Date::min_value()),
            DataType::Datetime => PartitionValue::Datetime(Datetime::min_value()),
            _ => return None,
        })
    }

    /// The value as a DATETIME (DATE at midnight), for time functions.
    pub fn as_naive_datetime(&self) -> Option<NaiveDateTime> {
        match self {
            PartitionValue::Date(d) => Some(d.to_naive().and_time(NaiveTime::MIN)),
            PartitionValue::Datetime(d) => Some(d.to_naive()),
            _ => None,
        }
    }

    /// A DATE or DATETIME value of column type `t` from a datetime.
    pub fn from_naive_datetime(dt: NaiveDateTime, t: &DataType) -> Self {
        match t {
            DataType::Date => PartitionValue::Date(Date::from_naive(dt.date())),
            _ => PartitionValue::Datetime(Datetime::from_naive(dt)),
        }
    }
}

/// `PrimitiveType.toString()`: `TINYINT`, `DATE`, `DATETIME`, `VARCHAR`... (in
/// `PartitionKey.toString` and range-type errors).
pub fn primitive_type_name(t: &DataType) -> String {
    match t {
        DataType::Boolean => "BOOLEAN".into(),
        DataType::Tinyint => "TINYINT".into(),
        DataType::Smallint => "SMALLINT".into(),
        DataType::Int => "INT".into(),
        DataType::Bigint => "BIGINT".into(),
        DataType::Largeint => "LARGEINT".into(),
        DataType::Float => "FLOAT".into(),
        DataType::Double => "DOUBLE".into(),
        DataType::Decimal { kind, .. } => match kind {
            super::types::DecimalKind::V2 => "DECIMALV2".into(),
            super::types::DecimalKind::D32 => "DECIMAL32".into(),
            super::types::DecimalKind::D64 => "DECIMAL64".into(),
            super::types::DecimalKind::D128 => "DECIMAL128".into(),
        },
        DataType::Date => "DATE".into(),
        DataType::Datetime => "DATETIME".into(),
        DataType::Char(_) => "CHAR".into(),
        DataType::Varchar(_) => "VARCHAR".into(),
        DataType::Json => "JSON".into(),
        DataType::Array(_) => "ARRAY".into(),
    }
}

/// True for TINYINT..LARGEINT (`isFixedPointType`).
pub fn is_integer_type(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Tinyint
            | DataType::Smallint
            | DataType::Int
            | DataType::Bigint
            | DataType::Largeint
    )
}

/// True for DATE and DATETIME.
pub fn is_date_type(t: &DataType) -> bool {
    matches!(t, DataType::Date | DataType::Datetime)
}

/// A calendar unit of EVERY, date_trunc and time_slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TimeUnit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

impl TimeUnit {
    /// `TimeUnit.fromName` (case-insensitive).
    pub fn from_name(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "second" => TimeUnit::Second,
            "minute" => TimeUnit::Minute,
            "hour" => TimeUnit::Hour,
            "day" => TimeUnit::Day,
            "week" => TimeUnit::Week,
            "month" => TimeUnit::Month,
            "quarter" => TimeUnit::Quarter,
            "year" => TimeUnit::Year,
            _ => return None,
        })
    }

    /// Lower-case name, as written in `date_trunc('day', ...)` and `INTERVAL 1 day`.
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Second => "second",
            TimeUnit::Minute => "minute",
            TimeUnit::Hour => "hour",
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
            TimeUnit::Month => "month",
            TimeUnit::Quarter => "quarter",
            TimeUnit::Year => "year",
        }
    }

    /// `dt + n units` (months clamp the day as Java's `plusMonths`).
    pub fn add(self, dt: NaiveDateTime, n: i64) -> Option<NaiveDateTime> {
        let months = |m: i64| -> Option<NaiveDateTime> {
            if m >= 0 {
                dt.checked_add_months(Months::new(u32::try_from(m).ok()?))
            } else {
                dt.checked_sub_months(Months::new(u32::try_from(-m).ok()?))
            }
        };
        match self {
            TimeUnit::Second => dt.checked_add_signed(Duration::try_seconds(n)?),
            TimeUnit::Minute => dt.checked_add_signed(Duration::try_minutes(n)?),
            TimeUnit::Hour => dt.checked_add_signed(Duration::try_hours(n)?),
            TimeUnit::Day => dt.checked_add_signed(Duration::try_days(n)?),
            TimeUnit::Week => dt.checked_add_signed(Duration::try_weeks(n)?),
            TimeUnit::Month => months(n),
            TimeUnit::Quarter => months(n.checked_mul(3)?),
            TimeUnit::Year => months(n.checked_mul(12)?),
        }
    }

    /// `date_trunc(unit, dt)`: the start of the unit holding `dt` (weeks start on Monday).
    pub fn trunc(self, dt: NaiveDateTime) -> NaiveDateTime {
        let d = dt.date();
        let midnight = |d: NaiveDate| d.and_time(NaiveTime::MIN);
        match self {
            TimeUnit::Second => dt.with_nanosecond(0).unwrap_or(dt),
            TimeUnit::Minute => d.and_hms_opt(dt.hour(), dt.minute(), 0).unwrap_or(dt),
            TimeUnit::Hour => d.and_hms_opt(dt.hour(), 0, 0).unwrap_or(dt),
            TimeUnit::Day => midnight(d),
            TimeUnit::Week => {
                midnight(d - Duration::days(i64::from(d.weekday().num_days_from_monday())))
            }
            TimeUnit::Month => midnight(d.with_day(1).unwrap_or(d)),
            TimeUnit::Quarter => midnight(
                NaiveDate::from_ymd_opt(d.year(), (d.month() - 1) / 3 * 3 + 1, 1).unwrap_or(d),
            ),
            TimeUnit::Year => midnight(NaiveDate::from_ymd_opt(d.year(), 1, 1).unwrap_or(d)),
        }
    }

    /// `time_slice(dt, INTERVAL n unit)` with the default `floor` boundary: the start of the
    /// n-unit bucket counted from StarRocks's origin `0001-01-01 00:00:00` (a Monday).
    pub fn time_slice(self, dt: NaiveDateTime, n: i64) -> Option<NaiveDateTime> {
        if n <= 0 {
            return None;
        }
        let origin = NaiveDate::from_ymd_opt(1, 1, 1)?.and_time(NaiveTime::MIN);
        let floor = |count: i64| count.div_euclid(n) * n;
        match self {
            TimeUnit::Second
            | TimeUnit::Minute
            | TimeUnit::Hour
            | TimeUnit::Day
            | TimeUnit::Week => {
                let unit_secs = match self {
                    TimeUnit::Second => 1,
                    TimeUnit::Minute => 60,
                    TimeUnit::Hour => 3600,
                    TimeUnit::Day => 86_400,
                    _ => 7 * 86_400,
                };
                let secs = (dt - origin).num_seconds();
                let buckets = floor(secs.div_euclid(unit_secs));
                origin.checked_add_signed(Duration::try_seconds(buckets.checked_mul(unit_secs)?)?)
            }
            TimeUnit::Month | TimeUnit::Quarter | TimeUnit::Year => {
                let per = match self {
                    TimeUnit::Month => 1,
                    TimeUnit::Quarter => 3,
                    _ => 12,
                };
                let months = (i64::from(dt.year()) - 1) * 12 + i64::from(dt.month()) - 1;
                let start = floor(months.div_euclid(per)) * per;
                TimeUnit::Month.add(origin, start)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        parse_date_time(s).unwrap()
    }

    #[test]
    fn dates_parse_and_print_as_starrocks() {
        assert_eq!(Date::parse("2020-06-01").unwrap().to_string(), "2020-06-01");
        assert_eq!(Date::parse("20200601").unwrap().to_string(), "2020-06-01");
        assert_eq!(Date::min_value().to_string(), "0000-01-01");
        assert_eq!(
            Datetime::parse("2020-06-01 12:30:00").unwrap().to_string(),
            "2020-06-01 12:30:00"
        );
        assert_eq!(
            Datetime::parse("2020-06-01").unwrap().to_string(),
            "2020-06-01 00:00:00"
        );
        assert_eq!(
            Datetime::parse("2020-06-01 12:30:00.000123")
                .unwrap()
                .to_string(),
            "2020-06-01 12:30:00.000123"
        );
        assert_eq!(Datetime::min_value().to_string(), "0000-01-01 00:00:00");
        assert!(Date::parse("2020-13-01").is_none());
        assert!(Date::parse("abc").is_none());
        assert!(Date::min_value() < Date::parse("0001-01-01").unwrap());
    }

    #[test]
    fn values_parse_per_type_with_starrocks_errors() {
        assert_eq!(
            PartitionValue::parse("127", &DataType::Tinyint),
            Ok(PartitionValue::Int(127))
        );
        assert_eq!(
            PartitionValue::parse("128", &DataType::Tinyint)
                .unwrap_err()
                .to_string(),
            "Number out of range[128]. type: TINYINT"
        );
        assert_eq!(
            PartitionValue::parse("x1", &DataType::Int)
                .unwrap_err()
                .to_string(),
            "Invalid number format: x1"
        );
        assert_eq!(
            PartitionValue::parse("2020-02-30", &DataType::Date)
                .unwrap_err()
                .to_string(),
            "date literal [2020-02-30] is invalid"
        );
        assert_eq!(
            PartitionValue::parse("beijing", &DataType::Varchar(Some(10))),
            Ok(PartitionValue::Str("beijing".into()))
        );
        assert!(PartitionValue::parse("1.5", &DataType::Double).is_err());
    }

    #[test]
    fn null_sorts_first_and_max_last() {
        let d = PartitionValue::Date(Date::parse("2020-01-01").unwrap());
        assert!(PartitionValue::Null < PartitionValue::min_of(&DataType::Date).unwrap());
        assert!(PartitionValue::min_of(&DataType::Date).unwrap() < d);
        assert!(d < PartitionValue::Max);
        assert!(PartitionValue::Int(i128::MAX) < PartitionValue::Max);
    }

    #[test]
    fn time_units_add_truncate_and_slice() {
        let t = dt("2021-01-31 10:20:30");
        assert_eq!(TimeUnit::Month.add(t, 1), Some(dt("2021-02-28 10:20:30")));
        assert_eq!(TimeUnit::Day.trunc(t), dt("2021-01-31"));
        assert_eq!(TimeUnit::Hour.trunc(t), dt("2021-01-31 10:00:00"));
        // 2021-01-31 is a Sunday: its week starts Monday 2021-01-25.
        assert_eq!(TimeUnit::Week.trunc(t), dt("2021-01-25"));
        assert_eq!(TimeUnit::Year.trunc(t), dt("2021-01-01"));
        assert_eq!(TimeUnit::Quarter.trunc(dt("2021-05-05")), dt("2021-04-01"));
        assert_eq!(TimeUnit::Day.time_slice(t, 1), Some(dt("2021-01-31")));
        assert_eq!(TimeUnit::Month.time_slice(t, 1), Some(dt("2021-01-01")));
        // 7-day buckets from 0001-01-01 (a Monday) start on Mondays.
        assert_eq!(TimeUnit::Day.time_slice(t, 7), Some(dt("2021-01-25")));
        assert_eq!(TimeUnit::Month.time_slice(t, 3), Some(dt("2021-01-01")));
        assert_eq!(TimeUnit::Year.time_slice(t, 5), Some(dt("2021-01-01")));
        assert_eq!(TimeUnit::Day.time_slice(t, 0), None);
        assert_eq!(TimeUnit::from_name("DAY"), Some(TimeUnit::Day));
        assert_eq!(TimeUnit::from_name("fortnight"), None);
    }
}
