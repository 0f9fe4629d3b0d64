//! The text forms StarRocks's FE (Java) prints values in, shared by every SHOW formatter:
//! `TimeUtils.longToTimeString` (a time in a zone) and `String.valueOf(double)`. One definition
//! here so routine load, load jobs and information_schema print the same text.

/// `TimeUtils.longToTimeString` in zone `tz` (an IANA name or `+08:00`; anything else reads as
/// UTC): `yyyy-MM-dd HH:mm:ss`, `NULL` when ≤ 0.
pub fn fmt_time(ms: i64, tz: &str) -> String {
    if ms <= 0 {
        return "NULL".into();
    }
    let Some(utc) = chrono::DateTime::from_timestamp_millis(ms) else {
        return "NULL".into();
    };
    format_in_zone(utc, tz)
}

/// `DateUtils.formatTimestampInSeconds(ms / 1000, zone)` (SHOW TABLE STATUS's Create_time and
/// Update_time): like [`fmt_time`] but whole seconds and never `NULL`, so 0 prints the epoch
/// (`1970-01-01 00:00:00` in UTC) as Java does.
pub fn fmt_timestamp_in_seconds(ms: i64, tz: &str) -> String {
    let secs = ms.div_euclid(1000);
    match chrono::DateTime::from_timestamp(secs, 0) {
        Some(utc) => format_in_zone(utc, tz),
        None => "NULL".into(),
    }
}

fn format_in_zone(utc: chrono::DateTime<chrono::Utc>, tz: &str) -> String {
    if let Ok(zone) = tz.parse::<chrono_tz::Tz>() {
        return utc
            .with_timezone(&zone)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
    }
    if let Some(off) = parse_offset(tz) {
        return utc
            .with_timezone(&off)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
    }
    utc.format("%Y-%m-%d %H:%M:%S").to_string()
}

fn parse_offset(tz: &str) -> Option<chrono::FixedOffset> {
    let neg = tz.starts_with('-');
    let rest = tz.strip_prefix(['+', '-'])?;
    let (h, m) = rest.split_once(':')?;
    let secs = h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60;
    chrono::FixedOffset::east_opt(if neg { -secs } else { secs })
}

/// Java `String.valueOf(double)` for the values a filter ratio takes.
pub fn java_double(v: f64) -> String {
    if v == 0.0 {
        return "0.0".into();
    }
    let a = v.abs();
    if (1e-3..1e7).contains(&a) {
        let s = format!("{v:?}");
        if s.contains('.') {
            s
        } else {
            format!("{s}.0")
        }
    } else {
        // Java switches to computerized scientific notation: 1.0E-4.
        let exp = a.log10().floor() as i32;
        let mant = v / 10f64.powi(exp);
        let m = format!("{mant:?}");
        let m = if m.contains('.') { m } else { format!("{m}.0") };
        format!("{m}E{exp}")
    }
}

/// A JSON string literal as Gson's `JsonWriter` writes it: short escapes for `"`, `\\`, `\t`,
/// `\b`, `\n`, `\r`, `\f`, `\uXXXX` for other control characters and U+2028/U+2029, and with
/// `html_safe` (Gson's default, off after `disableHtmlEscaping()`) also for `<`, `>`, `&`,
/// `=` and `'`.
pub fn gson_string(s: &str, html_safe: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            '<' | '>' | '&' | '=' | '\'' if html_safe => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_seconds_print_the_epoch_for_zero() {
        assert_eq!(
            fmt_timestamp_in_seconds(0, "Asia/Shanghai"),
            "1970-01-01 08:00:00"
        );
        assert_eq!(
            fmt_timestamp_in_seconds(1_700_000_000_999, "+00:00"),
            "2023-11-14 22:13:20"
        );
    }

    #[test]
    fn times_in_zones_and_doubles() {
        assert_eq!(fmt_time(-1, "UTC"), "NULL");
        assert_eq!(
            fmt_time(1_660_122_540_000, "Asia/Shanghai"),
            "2022-08-10 17:09:00"
        );
        assert_eq!(fmt_time(1_660_122_540_000, "-01:30"), "2022-08-10 07:39:00");
        assert_eq!(
            fmt_time(1_660_122_540_000, "nowhere"),
            "2022-08-10 09:09:00"
        );
        assert_eq!(java_double(0.25), "0.25");
        assert_eq!(java_double(12_345_678.0), "1.2345678E7");
    }
}
