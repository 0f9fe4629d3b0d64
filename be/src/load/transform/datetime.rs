//! Time zones and MySQL-style date formats for load expressions (StarRocks
//! `be/src/exprs/time_functions.cpp`, `runtime/datetime_value.cpp` format specifiers).
//!
//! DATETIME values are microseconds since 1970-01-01 00:00:00 *local* time (no zone, as in
//! StarRocks); the job `timezone` is applied only where StarRocks applies the session zone:
//! `from_unixtime`, `unix_timestamp`, `now`, `convert_tz`.

use crate::load::transform::convert::{civil_from_days, days_from_civil, make_datetime};
use chrono::{Offset, TimeZone as _};

/// The job time zone.
#[derive(Debug, Clone, Copy)]
pub enum JobTz {
    Named(chrono_tz::Tz),
    Fixed(i32),
}

impl JobTz {
    /// Parses `Asia/Shanghai`, `UTC`, `+08:00`, `-05:30`; empty = `Asia/Shanghai` (StarRocks's
    /// default session `time_zone`).
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim();
        if t.is_empty() {
            return Some(Self::Named(chrono_tz::Asia::Shanghai));
        }
        if let Some(rest) = t.strip_prefix(['+', '-']) {
            let neg = t.starts_with('-');
            let (h, m) = rest.split_once(':')?;
            let secs = h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60;
            return Some(Self::Fixed(if neg { -secs } else { secs }));
        }
        if t.eq_ignore_ascii_case("CST") {
            return Some(Self::Named(chrono_tz::Asia::Shanghai));
        }
        t.parse::<chrono_tz::Tz>().ok().map(Self::Named)
    }

    /// Offset (seconds east of UTC) at the UTC instant `utc_secs`.
    pub fn offset_at_utc(&self, utc_secs: i64) -> i64 {
        match self {
            Self::Fixed(s) => *s as i64,
            Self::Named(tz) => match tz.timestamp_opt(utc_secs, 0) {
                chrono::LocalResult::Single(t) => t.offset().fix().local_minus_utc() as i64,
                _ => 0,
            },
        }
    }

    /// Offset for a local wall-clock time (earliest mapping on DST overlaps).
    pub fn offset_at_local(&self, local_secs: i64) -> i64 {
        match self {
            Self::Fixed(s) => *s as i64,
            Self::Named(tz) => {
                let Some(naive) = chrono::DateTime::from_timestamp(local_secs, 0) else {
                    return 0;
                };
                match tz.offset_from_local_datetime(&naive.naive_utc()) {
                    chrono::LocalResult::Single(o) | chrono::LocalResult::Ambiguous(o, _) => {
                        o.fix().local_minus_utc() as i64
                    }
                    chrono::LocalResult::None => self.offset_at_utc(local_secs),
                }
            }
        }
    }

    /// Local DATETIME micros of a UTC epoch second.
    pub fn utc_to_local_us(&self, utc_secs: i64) -> i64 {
        (utc_secs + self.offset_at_utc(utc_secs)) * 1_000_000
    }

    /// UTC epoch seconds of a local DATETIME.
    pub fn local_us_to_utc(&self, local_us: i64) -> i64 {
        let s = local_us.div_euclid(1_000_000);
        s - self.offset_at_local(s)
    }
}

/// Broken-down local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micro: u32,
    pub days: i32,
}

/// Breaks DATETIME micros into fields.
pub fn parts(us: i64) -> Parts {
    let days = us.div_euclid(86_400_000_000);
    let rem = us.rem_euclid(86_400_000_000);
    let (year, month, day) = civil_from_days(days as i32);
    let secs = rem / 1_000_000;
    Parts {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: (secs / 60 % 60) as u32,
        second: (secs % 60) as u32,
        micro: (rem % 1_000_000) as u32,
        days: days as i32,
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Formats DATETIME micros with a MySQL format (`%Y-%m-%d %H:%i:%s`) into `out`.
pub fn format_into(out: &mut String, us: i64, fmt: &str) {
    use std::fmt::Write;
    let p = parts(us);
    // 1970-01-01 was a Thursday (index 3 with Monday = 0).
    let wd = (p.days as i64 + 3).rem_euclid(7) as usize;
    let mut it = fmt.chars();
    while let Some(c) = it.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let Some(f) = it.next() else {
            break;
        };
        let h12 = if p.hour.is_multiple_of(12) {
            12
        } else {
            p.hour % 12
        };
        let _ = match f {
            'Y' => write!(out, "{:04}", p.year),
            'y' => write!(out, "{:02}", p.year % 100),
            'm' => write!(out, "{:02}", p.month),
            'c' => write!(out, "{}", p.month),
            'd' => write!(out, "{:02}", p.day),
            'e' => write!(out, "{}", p.day),
            'H' => write!(out, "{:02}", p.hour),
            'k' => write!(out, "{}", p.hour),
            'h' | 'I' => write!(out, "{:02}", h12),
            'l' => write!(out, "{}", h12),
            'i' => write!(out, "{:02}", p.minute),
            's' | 'S' => write!(out, "{:02}", p.second),
            'f' => write!(out, "{:06}", p.micro),
            'p' => write!(out, "{}", if p.hour < 12 { "AM" } else { "PM" }),
            'T' => write!(out, "{:02}:{:02}:{:02}", p.hour, p.minute, p.second),
            'r' => write!(
                out,
                "{:02}:{:02}:{:02} {}",
                h12,
                p.minute,
                p.second,
                if p.hour < 12 { "AM" } else { "PM" }
            ),
            'M' => write!(out, "{}", MONTHS[(p.month - 1) as usize]),
            'b' => write!(out, "{}", &MONTHS[(p.month - 1) as usize][..3]),
            'W' => write!(out, "{}", WEEKDAYS[wd]),
            'a' => write!(out, "{}", &WEEKDAYS[wd][..3]),
            'w' => write!(out, "{}", (wd + 1) % 7),
            'j' => {
                let jan1 = days_from_civil(p.year, 1, 1);
                write!(out, "{:03}", p.days - jan1 + 1)
            }
            'D' => {
                let suffix = match (p.day % 10, p.day) {
                    (_, 11..=13) => "th",
                    (1, _) => "st",
                    (2, _) => "nd",
                    (3, _) => "rd",
                    _ => "th",
                };
                write!(out, "{}{}", p.day, suffix)
            }
            '%' => write!(out, "%"),
            other => write!(out, "{other}"),
        };
    }
}

/// `str_to_date(s, fmt)`: parses `s` with a MySQL format. Returns local micros and whether the
/// format had time fields (StarRocks returns DATE for date-only formats, DATETIME otherwise).
pub fn parse_with_format(s: &str, fmt: &str) -> Option<(i64, bool)> {
    let b = s.trim_start().as_bytes();
    let mut pos = 0usize;
    let (mut y, mut mo, mut d, mut h, mut mi, mut sec, mut us) =
        (1970i64, 1u32, 1u32, 0u32, 0u32, 0u32, 0u32);
    let mut pm: Option<bool> = None;
    let mut has_time = false;
    let mut it = fmt.chars().peekable();
    let num = |pos: &mut usize, max: usize| -> Option<i64> {
        let start = *pos;
        while *pos < b.len() && *pos - start < max && b[*pos].is_ascii_digit() {
            *pos += 1;
        }
        if *pos == start {
            return None;
        }
        std::str::from_utf8(&b[start..*pos]).ok()?.parse().ok()
    };
    while let Some(c) = it.next() {
        if c != '%' {
            if c.is_whitespace() {
                while pos < b.len() && b[pos].is_ascii_whitespace() {
                    pos += 1;
                }
                continue;
            }
            if pos < b.len() && b[pos] == c as u8 {
                pos += 1;
                continue;
            }
            return None;
        }
        let f = it.next()?;
        match f {
            'Y' => y = num(&mut pos, 4)?,
            'y' => {
                let v = num(&mut pos, 2)?;
                y = if v < 70 { 2000 + v } else { 1900 + v };
            }
            'm' | 'c' => mo = num(&mut pos, 2)? as u32,
            'd' | 'e' => d = num(&mut pos, 2)? as u32,
            'H' | 'k' | 'h' | 'I' | 'l' => {
                h = num(&mut pos, 2)? as u32;
                has_time = true;
            }
            'i' => {
                mi = num(&mut pos, 2)? as u32;
                has_time = true;
            }
            's' | 'S' => {
                sec = num(&mut pos, 2)? as u32;
                has_time = true;
            }
            'f' => {
                let start = pos;
                let v = num(&mut pos, 6)?;
                let digits = (pos - start) as u32;
                us = (v * 10i64.pow(6 - digits)) as u32;
                has_time = true;
            }
            'p' => {
                let t = b.get(pos..pos + 2)?;
                pm = Some(t.eq_ignore_ascii_case(b"PM"));
                pos += 2;
            }
            'T' => {
                h = num(&mut pos, 2)? as u32;
                (b.get(pos) == Some(&b':')).then_some(())?;
                pos += 1;
                mi = num(&mut pos, 2)? as u32;
                (b.get(pos) == Some(&b':')).then_some(())?;
                pos += 1;
                sec = num(&mut pos, 2)? as u32;
                has_time = true;
            }
            'M' | 'b' => {
                let rest = &b[pos..];
                let mut found = None;
                for (i, m) in MONTHS.iter().enumerate() {
                    let full = m.as_bytes();
                    let n = if f == 'M' { full.len() } else { 3 };
                    if rest.len() >= n && rest[..n].eq_ignore_ascii_case(&full[..n]) {
                        found = Some((i as u32 + 1, n));
                        break;
                    }
                }
                let (m, n) = found?;
                mo = m;
                pos += n;
            }
            '%' => {
                (b.get(pos) == Some(&b'%')).then_some(())?;
                pos += 1;
            }
            _ => return None,
        }
    }
    if let Some(pm) = pm {
        if h == 12 {
            h = 0;
        }
        if pm {
            h += 12;
        }
    }
    let v = make_datetime(y, mo, d, h, mi, sec, us)?;
    Some((v.micros(), has_time))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(us: i64, f: &str) -> String {
        let mut s = String::new();
        format_into(&mut s, us, f);
        s
    }

    #[test]
    fn seed_from_unixtime_in_shanghai() {
        // from_unixtime(1589191487, '%Y%m%d') with the default Asia/Shanghai zone.
        let tz = JobTz::parse("").unwrap();
        let local = tz.utc_to_local_us(1_589_191_487);
        assert_eq!(fmt(local, "%Y%m%d"), "20200511");
        assert_eq!(fmt(local, "%Y-%m-%d %H:%i:%s"), "2020-05-11 18:04:47");
        assert_eq!(tz.local_us_to_utc(local), 1_589_191_487);
        let utc = JobTz::parse("UTC").unwrap();
        assert_eq!(
            fmt(utc.utc_to_local_us(0), "%Y-%m-%d %T"),
            "1970-01-01 00:00:00"
        );
        let f = JobTz::parse("-05:30").unwrap();
        assert_eq!(f.offset_at_utc(0), -19800);
        assert!(JobTz::parse("Mars/Base").is_none());
    }

    #[test]
    fn format_specifiers() {
        let us = make_datetime(2024, 3, 9, 15, 4, 5, 120).unwrap().micros();
        assert_eq!(
            fmt(us, "%W %a %M %b %D %j %r %f %c/%e %l%p %y %%"),
            "Saturday Sat March Mar 9th 069 03:04:05 PM 000120 3/9 3PM 24 %"
        );
    }

    #[test]
    fn str_to_date_formats() {
        let (us, t) = parse_with_format("2024-03-09 15:04:05", "%Y-%m-%d %H:%i:%s").unwrap();
        assert!(t);
        assert_eq!(fmt(us, "%Y-%m-%d %T"), "2024-03-09 15:04:05");
        let (us, t) = parse_with_format("09/Mar/2024", "%d/%b/%Y").unwrap();
        assert!(!t);
        assert_eq!(fmt(us, "%Y-%m-%d"), "2024-03-09");
        assert!(parse_with_format("2024-02-30", "%Y-%m-%d").is_none());
        assert!(parse_with_format("x", "%Y").is_none());
        let (us, _) = parse_with_format("20240309 0305PM", "%Y%m%d %h%i%p").unwrap();
        assert_eq!(fmt(us, "%T"), "15:05:00");
    }
}
