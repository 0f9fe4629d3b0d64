//! CSV messages -> text columns (StarRocks `be/src/exec/csv_scanner.cpp`,
//! `formats/csv/csv_reader.cpp`; spec routine-load.md §8.1).
//!
//! - Each message is split on the row delimiter; a trailing row without a delimiter is a row
//!   (StarRocks appends one delimiter byte per message). Blank rows are skipped, not counted.
//! - Separators and delimiters are byte strings up to 50 bytes (multi-byte UTF-8 or `\xNN` hex).
//! - `\N` is NULL; an empty field is an empty string.
//! - A row whose field count differs from the expected count is rejected with
//!   `Target column count: <n> doesn't match source value column count: <m>. Column separator:
//!   '<sep>', Row delimiter: '<delim>'` (csv_scanner.cpp `make_column_count_not_matched_error_message`
//!   since StarRocks PR #46095, in 3.2/3.3 backports and 3.4, the release starload mirrors;
//!   earlier releases printed `Value count does not match column count...`); a row that is
//!   not UTF-8 with `Invalid UTF-8 row`.
//! - `trim_space` strips spaces around fields (not inside enclosed fields); `enclose` quotes
//!   fields (a doubled enclose byte is a literal one); `escape` makes the next byte literal.
//!
//! Fast path (no enclose/escape): fields are located with memchr/memmem and copied straight
//! into the column buffers; one UTF-8 validation per message, none per field.

use super::{Decoder, MessageChunk, RowOrigin, SourceBatch, TextColumnBuilder};
use crate::load::error::LoadError;
use crate::load::error_rows::ErrorRows;
use memchr::memmem;

/// CSV options of a job.
#[derive(Debug, Clone)]
pub struct CsvOptions {
    pub column_separator: Vec<u8>,
    pub row_delimiter: Vec<u8>,
    pub enclose: Option<u8>,
    pub escape: Option<u8>,
    pub trim_space: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            column_separator: b"\t".to_vec(),
            row_delimiter: b"\n".to_vec(),
            enclose: None,
            escape: None,
            trim_space: false,
        }
    }
}

/// Decodes a separator as given in the job: a `\x`-prefixed hex form (`\x01`, `\x0102`) becomes
/// its bytes; anything else is taken literally; empty -> `default`.
pub fn parse_separator(text: &[u8], default: &[u8]) -> Vec<u8> {
    if text.is_empty() {
        return default.to_vec();
    }
    if text.len() > 2 && (text.starts_with(b"\\x") || text.starts_with(b"\\X")) {
        let hex = &text[2..];
        if hex.len().is_multiple_of(2) && hex.iter().all(|c| c.is_ascii_hexdigit()) {
            let mut out = Vec::with_capacity(hex.len() / 2);
            for pair in hex.chunks(2) {
                let s = std::str::from_utf8(pair).unwrap_or("00");
                out.push(u8::from_str_radix(s, 16).unwrap_or(0));
            }
            return out;
        }
    }
    text.to_vec()
}

/// The CSV decoder of one task.
pub struct CsvDecoder {
    opts: CsvOptions,
    num_fields: usize,
    sep_finder: memmem::Finder<'static>,
    row_finder: memmem::Finder<'static>,
    /// Field ranges of the current row (reused: no allocation per row).
    fields: Vec<(usize, usize, bool)>,
    /// Unescaped field bytes of the current row (slow path).
    scratch: Vec<u8>,
}

impl CsvDecoder {
    /// A decoder expecting `num_fields` fields per row.
    pub fn new(opts: CsvOptions, num_fields: usize) -> Self {
        let sep_finder = memmem::Finder::new(&opts.column_separator).into_owned();
        let row_finder = memmem::Finder::new(&opts.row_delimiter).into_owned();
        Self {
            opts,
            num_fields,
            sep_finder,
            row_finder,
            fields: Vec::with_capacity(64),
            scratch: Vec::new(),
        }
    }

    fn count_reason(&self, got: usize) -> String {
        format!(
            "Target column count: {} doesn't match source value column count: {}. Column separator: {}, Row delimiter: {}",
            self.num_fields,
            got,
            string_2_asc(&self.opts.column_separator),
            string_2_asc(&self.opts.row_delimiter)
        )
    }

    /// Splits `row` into fields (fast path). Ranges are relative to `row`.
    fn split_fast(&mut self, row: &[u8]) {
        self.fields.clear();
        let sep = &self.opts.column_separator;
        let mut start = 0;
        if sep.len() == 1 {
            for p in memchr::memchr_iter(sep[0], row) {
                self.fields.push((start, p, false));
                start = p + 1;
            }
        } else {
            for p in self.sep_finder.find_iter(row) {
                if p < start {
                    continue; // overlapping match of a periodic separator
                }
                self.fields.push((start, p, false));
                start = p + sep.len();
            }
        }
        self.fields.push((start, row.len(), false));
        if self.opts.trim_space {
            for f in self.fields.iter_mut() {
                while f.0 < f.1 && row[f.0] == b' ' {
                    f.0 += 1;
                }
                while f.1 > f.0 && row[f.1 - 1] == b' ' {
                    f.1 -= 1;
                }
            }
        }
    }

    /// Parses one row starting at `pos` with enclose/escape handling (slow path). Field bytes
    /// are unescaped into `scratch`; returns (row end, next row start).
    fn split_slow(&mut self, buf: &[u8], mut pos: usize) -> (usize, usize) {
        self.fields.clear();
        self.scratch.clear();
        let sep = self.opts.column_separator.clone();
        let delim = self.opts.row_delimiter.clone();
        let enclose = self.opts.enclose;
        let escape = self.opts.escape;
        let trim = self.opts.trim_space;
        let len = buf.len();
        loop {
            let fstart = self.scratch.len();
            let mut quoted = false;
            let mut p = pos;
            if trim {
                while p < len && buf[p] == b' ' {
                    p += 1;
                }
            }
            if enclose.is_some() && p < len && Some(buf[p]) == enclose {
                quoted = true;
                pos = p + 1;
                while pos < len {
                    let c = buf[pos];
                    if escape == Some(c) && pos + 1 < len {
                        self.scratch.push(buf[pos + 1]);
                        pos += 2;
                    } else if Some(c) == enclose {
                        if pos + 1 < len && Some(buf[pos + 1]) == enclose {
                            self.scratch.push(c);
                            pos += 2;
                        } else {
                            pos += 1;
                            break;
                        }
                    } else {
                        self.scratch.push(c);
                        pos += 1;
                    }
                }
                if trim {
                    while pos < len && buf[pos] == b' ' {
                        pos += 1;
                    }
                }
            } else if trim {
                pos = p;
            }
            // Unquoted part (or junk after a closing enclose) up to a separator/delimiter.
            let unquoted_start = self.scratch.len();
            let raw_start = pos;
            let mut at_sep = false;
            let mut at_delim = false;
            while pos < len {
                if buf[pos..].starts_with(&sep) {
                    at_sep = true;
                    break;
                }
                if buf[pos..].starts_with(&delim) {
                    at_delim = true;
                    break;
                }
                let c = buf[pos];
                if escape == Some(c) && pos + 1 < len {
                    self.scratch.push(buf[pos + 1]);
                    pos += 2;
                } else {
                    self.scratch.push(c);
                    pos += 1;
                }
            }
            if trim && !quoted {
                while self.scratch.len() > unquoted_start && self.scratch.last() == Some(&b' ') {
                    self.scratch.pop();
                }
            }
            // `\N` is checked on the raw bytes, before unescaping.
            let raw = &buf[raw_start..pos];
            let raw_trimmed = if trim { trim_spaces(raw) } else { raw };
            let is_null = !quoted && raw_trimmed == b"\\N";
            self.fields.push((fstart, self.scratch.len(), is_null));
            if at_sep {
                pos += sep.len();
                continue;
            }
            let row_end = pos;
            if at_delim {
                pos += delim.len();
            }
            return (row_end, pos);
        }
    }
}

/// Quotes a separator as StarRocks's `string_2_asc` does: `\n` and `\t` escaped, printable
/// bytes as is, other bytes as `0x<hex>` (no padding).
pub fn string_2_asc(input: &[u8]) -> String {
    let mut out = String::from("'");
    for &c in input {
        match c {
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(c as char),
            _ => out.push_str(&format!("0x{c:x}")),
        }
    }
    out.push('\'');
    out
}

fn trim_spaces(mut s: &[u8]) -> &[u8] {
    while let [b' ', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' '] = s {
        s = rest;
    }
    s
}

impl Decoder for CsvDecoder {
    fn decode(
        &mut self,
        chunk: &MessageChunk,
        errors: &mut ErrorRows,
    ) -> Result<SourceBatch, LoadError> {
        chunk.announce_to(errors);
        let n = self.num_fields;
        // Rough sizing: one row per message, fields of equal share.
        let est_rows = chunk.msgs.len().max(1);
        let mut cols: Vec<TextColumnBuilder> = (0..n)
            .map(|_| TextColumnBuilder::with_capacity(est_rows, chunk.bytes() / n.max(1) + 16))
            .collect();
        let mut origins = Vec::with_capacity(est_rows);
        let slow = self.opts.enclose.is_some() || self.opts.escape.is_some();
        let delim_len = self.opts.row_delimiter.len();
        for mi in 0..chunk.msgs.len() {
            let base = chunk.msgs[mi].start as usize;
            let payload = chunk.payload(mi);
            let msg_utf8 = std::str::from_utf8(payload).is_ok();
            if slow {
                let mut pos = 0;
                while pos < payload.len() {
                    let row_start = pos;
                    let (row_end, next) = self.split_slow(payload, pos);
                    pos = next;
                    let row = &payload[row_start..row_end];
                    if row.is_empty() {
                        continue;
                    }
                    errors.total += 1;
                    if self.fields.len() != n {
                        let reason = self.count_reason(self.fields.len());
                        errors.reject(&reason, row);
                        continue;
                    }
                    if !msg_utf8 && std::str::from_utf8(row).is_err() {
                        errors.reject("Invalid UTF-8 row", row);
                        continue;
                    }
                    for (c, &(s, e, null)) in cols.iter_mut().zip(self.fields.iter()) {
                        if null {
                            c.append_null();
                        } else {
                            c.append(&self.scratch[s..e]);
                        }
                    }
                    origins.push(RowOrigin {
                        start: (base + row_start) as u32,
                        end: (base + row_end) as u32,
                    });
                }
                continue;
            }
            // Fast path.
            let mut row_start = 0usize;
            let mut handle_row = |this: &mut Self, rs: usize, re: usize| {
                let row = &payload[rs..re];
                if row.is_empty() {
                    return;
                }
                errors.total += 1;
                this.split_fast(row);
                if this.fields.len() != n {
                    let reason = this.count_reason(this.fields.len());
                    errors.reject(&reason, row);
                    return;
                }
                if !msg_utf8 && std::str::from_utf8(row).is_err() {
                    errors.reject("Invalid UTF-8 row", row);
                    return;
                }
                for (c, &(s, e, _)) in cols.iter_mut().zip(this.fields.iter()) {
                    let v = &row[s..e];
                    if v == b"\\N" {
                        c.append_null();
                    } else {
                        c.append(v);
                    }
                }
                origins.push(RowOrigin {
                    start: (base + rs) as u32,
                    end: (base + re) as u32,
                });
            };
            if delim_len == 1 {
                let d = self.opts.row_delimiter[0];
                for p in memchr::memchr_iter(d, payload) {
                    handle_row(self, row_start, p);
                    row_start = p + 1;
                }
            } else {
                let finder = self.row_finder.clone();
                for p in finder.find_iter(payload) {
                    if p < row_start {
                        continue;
                    }
                    handle_row(self, row_start, p);
                    row_start = p + delim_len;
                }
            }
            if row_start < payload.len() {
                handle_row(self, row_start, payload.len());
            }
        }
        Ok(SourceBatch {
            columns: cols.into_iter().map(TextColumnBuilder::finish).collect(),
            origins,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Array;

    fn chunk(msgs: &[&[u8]]) -> MessageChunk {
        let mut c = MessageChunk::default();
        for (i, m) in msgs.iter().enumerate() {
            c.push(0, i as i64, -1, m);
        }
        c
    }

    fn rows(b: &SourceBatch) -> Vec<Vec<Option<String>>> {
        (0..b.num_rows())
            .map(|r| {
                b.columns
                    .iter()
                    .map(|c| (!c.is_null(r)).then(|| c.value(r).to_string()))
                    .collect()
            })
            .collect()
    }

    fn opts(sep: &[u8], delim: &[u8]) -> CsvOptions {
        CsvOptions {
            column_separator: sep.to_vec(),
            row_delimiter: delim.to_vec(),
            ..Default::default()
        }
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn seed_rows_with_comma() {
        let mut d = CsvDecoder::new(opts(b",", b"\n"), 6);
        let mut e = ErrorRows::new(0);
        let b = d
            .decode(
                &chunk(&[
                    b"2020050802,2020-05-08,Johann Georg Faust,Deutschland,male,895",
                    b"2020050901,2020-05-09,Anna Karenina\",Russia,female,175\n",
                ]),
                &mut e,
            )
            .unwrap();
        assert_eq!(e.total, 2);
        assert_eq!(e.filtered, 0);
        let r = rows(&b);
        assert_eq!(r[0][2], s("Johann Georg Faust"));
        assert_eq!(r[1][2], s("Anna Karenina\""));
    }

    #[test]
    fn null_empty_and_blank_lines() {
        let mut d = CsvDecoder::new(opts(b"\t", b"\n"), 3);
        let mut e = ErrorRows::new(0);
        let b = d
            .decode(&chunk(&[b"a\t\\N\t\n\n\nb\tc\td"]), &mut e)
            .unwrap();
        assert_eq!(e.total, 2);
        assert_eq!(
            rows(&b),
            vec![vec![s("a"), None, s("")], vec![s("b"), s("c"), s("d")]]
        );
    }

    #[test]
    fn wrong_count_is_rejected_with_starrocks_reason() {
        let mut d = CsvDecoder::new(opts(b",", b"\n"), 3);
        let mut e = ErrorRows::new(0);
        let b = d.decode(&chunk(&[b"1,2\n1,2,3\n1,2,3,4"]), &mut e).unwrap();
        assert_eq!(b.num_rows(), 1);
        assert_eq!((e.total, e.filtered), (3, 2));
        assert_eq!(
            e.lines()[0],
            "Error: Target column count: 3 doesn't match source value column count: 2. Column separator: ',', Row delimiter: '\\n'. Row: 1,2"
        );
    }

    #[test]
    fn multibyte_and_hex_separators() {
        assert_eq!(string_2_asc("\x01☃|\t".as_bytes()), "'0x10xe20x980x83|\\t'");
        assert_eq!(parse_separator(b"\\x01", b"\t"), vec![1]);
        assert_eq!(parse_separator(b"\\x0102", b"\t"), vec![1, 2]);
        assert_eq!(parse_separator(b"", b"\t"), b"\t".to_vec());
        assert_eq!(parse_separator(b"\\xZZ", b"\t"), b"\\xZZ".to_vec());
        let sep = "☃|".as_bytes();
        let mut d = CsvDecoder::new(opts(sep, b"\x01\x02"), 2);
        let mut e = ErrorRows::new(0);
        let b = d
            .decode(&chunk(&["a☃|日本\x01\x02c☃|d".as_bytes()]), &mut e)
            .unwrap();
        assert_eq!(
            rows(&b),
            vec![vec![s("a"), s("日本")], vec![s("c"), s("d")]]
        );
        // A 50-byte separator.
        let long = vec![b'#'; 50];
        let mut msg = b"x".to_vec();
        msg.extend_from_slice(&long);
        msg.extend_from_slice(b"y");
        let mut d = CsvDecoder::new(opts(&long, b"\n"), 2);
        let b = d.decode(&chunk(&[&msg]), &mut e).unwrap();
        assert_eq!(rows(&b), vec![vec![s("x"), s("y")]]);
    }

    #[test]
    fn invalid_utf8_row() {
        let mut d = CsvDecoder::new(opts(b",", b"\n"), 2);
        let mut e = ErrorRows::new(0);
        let b = d.decode(&chunk(&[b"a,b\n\xff,c"]), &mut e).unwrap();
        assert_eq!(b.num_rows(), 1);
        assert_eq!(e.filtered, 1);
        assert!(e.lines()[0].starts_with("Error: Invalid UTF-8 row. Row: "));
    }

    #[test]
    fn trim_space_enclose_escape() {
        let mut o = opts(b",", b"\n");
        o.trim_space = true;
        let mut d = CsvDecoder::new(o.clone(), 3);
        let mut e = ErrorRows::new(0);
        let b = d.decode(&chunk(&[b" a , b b ,c "]), &mut e).unwrap();
        assert_eq!(rows(&b), vec![vec![s("a"), s("b b"), s("c")]]);

        o.enclose = Some(b'"');
        let mut d = CsvDecoder::new(o.clone(), 3);
        let b = d
            .decode(
                &chunk(&[b"\" x,\ny \" , \"say \"\"hi\"\"\",\\N\n1,2,3"]),
                &mut e,
            )
            .unwrap();
        assert_eq!(
            rows(&b),
            vec![
                vec![s(" x,\ny "), s("say \"hi\""), None],
                vec![s("1"), s("2"), s("3")]
            ]
        );

        let mut o = opts(b",", b"\n");
        o.escape = Some(b'\\');
        let mut d = CsvDecoder::new(o, 2);
        let b = d.decode(&chunk(&[b"a\\,b,c\\\\\n\\N,x"]), &mut e).unwrap();
        assert_eq!(rows(&b), vec![vec![s("a,b"), s("c\\")], vec![None, s("x")]]);
    }
}
