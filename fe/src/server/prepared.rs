//! Server-side prepared statements (COM_STMT_PREPARE / EXECUTE / CLOSE, StarRocks ≥3.2.3):
//! the statement text is kept, `?` placeholders are counted at prepare time, and at execute
//! time each parameter is inlined as a SQL literal and the text runs like COM_QUERY.

use opensrv_mysql::{ParamValue, ValueInner};

/// Byte offsets of the `?` placeholders outside quotes and comments.
pub fn placeholders(sql: &str) -> Vec<usize> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() {
                    if b[i] == b'\\' && q != b'`' {
                        i += 2;
                        continue;
                    }
                    if b[i] == q {
                        if i + 1 < b.len() && b[i + 1] == q {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'?' => {
                out.push(i);
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// A parameter as a SQL literal.
pub fn literal(p: &ParamValue<'_>) -> String {
    match p.value.into_inner() {
        ValueInner::NULL => "NULL".to_string(),
        ValueInner::Int(i) => i.to_string(),
        ValueInner::UInt(u) => u.to_string(),
        ValueInner::Double(d) => {
            if d.is_finite() {
                format!("{d:?}")
            } else {
                "NULL".to_string()
            }
        }
        ValueInner::Bytes(b) => quote(&String::from_utf8_lossy(b)),
        ValueInner::Date(b) | ValueInner::Datetime(b) => quote(&datetime_text(b)),
        ValueInner::Time(b) => quote(&time_text(b)),
    }
}

/// A single-quoted string literal with `'` and `\` escaped.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Binary DATE/DATETIME (length 0, 4, 7 or 11) as `YYYY-MM-DD[ HH:MM:SS[.ffffff]]`.
fn datetime_text(b: &[u8]) -> String {
    if b.len() < 4 {
        return "0000-00-00".to_string();
    }
    let year = u16::from_le_bytes([b[0], b[1]]);
    let mut s = format!("{year:04}-{:02}-{:02}", b[2], b[3]);
    if b.len() >= 7 {
        s.push_str(&format!(" {:02}:{:02}:{:02}", b[4], b[5], b[6]));
    }
    if b.len() >= 11 {
        let micros = u32::from_le_bytes([b[7], b[8], b[9], b[10]]);
        if micros > 0 {
            s.push_str(&format!(".{micros:06}"));
        }
    }
    s
}

/// Binary TIME (length 0, 8 or 12) as `[-]HH:MM:SS[.ffffff]`.
fn time_text(b: &[u8]) -> String {
    if b.len() < 8 {
        return "00:00:00".to_string();
    }
    let neg = b[0] == 1;
    let days = u32::from_le_bytes([b[1], b[2], b[3], b[4]]);
    let hours = days * 24 + u32::from(b[5]);
    let mut s = format!(
        "{}{hours:02}:{:02}:{:02}",
        if neg { "-" } else { "" },
        b[6],
        b[7]
    );
    if b.len() >= 12 {
        let micros = u32::from_le_bytes([b[8], b[9], b[10], b[11]]);
        if micros > 0 {
            s.push_str(&format!(".{micros:06}"));
        }
    }
    s
}

/// `sql` with the placeholders at `holes` replaced by `values` in order (missing -> NULL).
pub fn substitute(sql: &str, holes: &[usize], values: &[String]) -> String {
    let mut out = String::with_capacity(sql.len() + values.iter().map(String::len).sum::<usize>());
    let mut last = 0;
    for (i, pos) in holes.iter().enumerate() {
        out.push_str(&sql[last..*pos]);
        out.push_str(values.get(i).map(String::as_str).unwrap_or("NULL"));
        last = pos + 1;
    }
    out.push_str(&sql[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_skip_quotes_and_comments() {
        let sql = "SELECT ?, '?', \"a?\", `?`, 'it''s ?' /* ? */ -- ?\n, ? # ?";
        let holes = placeholders(sql);
        assert_eq!(holes.len(), 2);
        let out = substitute(sql, &holes, &["1".into(), quote("x'y\\")]);
        assert!(out.starts_with("SELECT 1, '?'"));
        assert!(out.contains(", 'x''y\\\\' #"));
    }

    #[test]
    fn binary_dates() {
        assert_eq!(datetime_text(&[0xE8, 0x07, 1, 2]), "2024-01-02");
        assert_eq!(
            datetime_text(&[0xE8, 0x07, 1, 2, 3, 4, 5, 0x20, 0xA1, 0x07, 0]),
            "2024-01-02 03:04:05.500000"
        );
        assert_eq!(time_text(&[1, 1, 0, 0, 0, 2, 3, 4]), "-26:03:04");
    }
}
