//! Row accounting of one task, its error log and its rejected records.
//!
//! Counters follow StarRocks (spec routine-load.md §6): every row the decoders saw is counted in
//! `total`; rows dropped by WHERE are `unselected` (never errors); rows that failed decoding,
//! conversion or a NOT NULL check are `filtered`; `loaded = total - filtered - unselected`.
//!
//! Two records of rejected rows are kept, as StarRocks keeps them
//! (`load_path_state_helper.cpp`):
//! - the error log behind ErrorLogUrls: the first [`MAX_ERROR_LOG_LINES`] rejected rows of the
//!   task, one line each, `Error: <reason>. Row: <raw row>`, written to
//!   `<sys_log_dir>/error_log/error_log_<hi>_<lo>` and served by the BE HTTP server as
//!   `/api/_load_error_log?file=<file>` (frontend.md §8.3);
//! - the rejected records of `log_rejected_record_num` (0 none, -1 all, n at most n per task),
//!   same line format, in `rejected_record_<hi>_<lo>` beside the error log (same endpoint).
//!
//! A fatal parse error (a JSON message that does not parse, an array without
//! `strip_outer_array`, an Avro datum that does not decode) is also remembered: with
//! `pause_on_fatal_parse_error` the task fails with it (`LoadError::FatalParseError`) and the
//! job pauses (spec §6.5).

use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// Rejected rows written to the error log of one task. StarRocks's scanners report only their
/// first `REPORT_ERROR_MAX_NUMBER` = 50 filtered rows (`csv_scanner.cpp`), and the error log
/// itself stops after `kMaxErrorNum` = 50 (checked as `fetch_add(1) > 50`, so at most 51 lines,
/// `load_path_state_helper.cpp`); one task is one scanner, so 50 lines.
pub const MAX_ERROR_LOG_LINES: usize = 50;

/// Counters and rejected rows of one task.
#[derive(Debug, Default)]
pub struct ErrorRows {
    /// Rows seen (decoded rows plus rows rejected while decoding).
    pub total: u64,
    /// Rows rejected (decode, conversion, NOT NULL, expression errors).
    pub filtered: u64,
    /// Rows dropped by WHERE.
    pub unselected: u64,
    /// Error-log lines kept so far (at most [`MAX_ERROR_LOG_LINES`]).
    lines: Vec<String>,
    /// Rejected-record lines kept so far.
    rejected: Vec<String>,
    /// `log_rejected_record_num`: 0 none, negative all.
    rejected_limit: i64,
    /// The first fatal parse error's reason.
    fatal_parse_error: Option<String>,
    /// `skip_on_fatal_parse_error`: a message that does not parse stays an error row and the
    /// task goes on ([`ErrorRows::fatal_parse_error`] then answers None).
    skip_fatal: bool,
    /// Rows kept for the rejected-row ledger (`rejected_ledger.rs`); None = not collected.
    ledger: Option<LedgerRows>,
}

/// One rejected row with its Kafka coordinates, as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    pub partition: i32,
    pub offset: i64,
    /// Kafka timestamp (ms); -1 = none.
    pub timestamp_ms: i64,
    /// Byte position of the row in its message.
    pub row_start: u32,
    /// Ordinal among this task's rejected rows at the same position (several rows of one JSON
    /// array message share the message's bytes).
    pub row_ordinal: u32,
    pub reason: String,
    pub raw: Vec<u8>,
}

/// Where the current chunk's messages sit, to find the message of a rejected row's bytes.
#[derive(Debug, Default)]
struct ChunkIndex {
    base: usize,
    len: usize,
    /// (start in the arena, partition, offset, timestamp), in arena order.
    msgs: Vec<(u32, i32, i64, i64)>,
}

/// The ledger's share of a task: rows with coordinates, bounded by a byte budget (rows past it
/// are counted, not kept: the ledger would evict them anyway).
#[derive(Debug, Default)]
struct LedgerRows {
    budget: u64,
    bytes: u64,
    rows: Vec<RejectedRow>,
    dropped: u64,
    chunk: ChunkIndex,
    ordinals: std::collections::HashMap<(i32, i64, u32), u32>,
}

impl LedgerRows {
    fn keep(&mut self, reason: &str, raw: &[u8]) {
        // Rows are slices of the chunk arena (decoders and transform hand them out that way);
        // a row from elsewhere has no coordinates and is not kept.
        let p = raw.as_ptr() as usize;
        let c = &self.chunk;
        if p < c.base || p + raw.len() > c.base + c.len {
            self.dropped += 1;
            return;
        }
        let at = (p - c.base) as u32;
        let i = c.msgs.partition_point(|m| m.0 <= at);
        let Some(&(start, partition, offset, timestamp_ms)) = i.checked_sub(1).map(|i| &c.msgs[i])
        else {
            self.dropped += 1;
            return;
        };
        self.push((partition, offset, timestamp_ms, at - start), reason, raw);
    }

    fn push(&mut self, at: (i32, i64, i64, u32), reason: &str, raw: &[u8]) {
        let (partition, offset, timestamp_ms, row_start) = at;
        let size = (raw.len() + reason.len() + 64) as u64;
        if self.bytes + size > self.budget {
            self.dropped += 1;
            return;
        }
        let ord = self
            .ordinals
            .entry((partition, offset, row_start))
            .or_insert(0);
        let row_ordinal = *ord;
        *ord += 1;
        self.bytes += size;
        self.rows.push(RejectedRow {
            partition,
            offset,
            timestamp_ms,
            row_start,
            row_ordinal,
            reason: reason.to_string(),
            raw: raw.to_vec(),
        });
    }
}

/// Where `raw` (a slice of `data`, the chunk arena) sits: the message holding it, given as
/// (start in the arena, partition, offset, timestamp ms) per message in arena order. Returns
/// (partition, offset, timestamp ms, row start in the message). For callers that copy rows
/// out of the arena before rejecting them ([`ErrorRows::reject_located`]).
pub fn locate(
    data: &[u8],
    msgs: impl Iterator<Item = (u32, i32, i64, i64)>,
    raw: &[u8],
) -> Option<(i32, i64, i64, u32)> {
    let base = data.as_ptr() as usize;
    let p = raw.as_ptr() as usize;
    if p < base || p + raw.len() > base + data.len() {
        return None;
    }
    let at = (p - base) as u32;
    let mut found = None;
    for (start, partition, offset, ts) in msgs {
        if start > at {
            break;
        }
        found = Some((partition, offset, ts, at - start));
    }
    found
}

impl ErrorRows {
    /// New accounting keeping up to `log_rejected_record_num` rejected records (0 = none,
    /// negative = all) besides the error log.
    pub fn new(log_rejected_record_num: i64) -> Self {
        Self {
            rejected_limit: log_rejected_record_num,
            ..Default::default()
        }
    }

    /// Loaded rows (`total - filtered - unselected`).
    pub fn loaded(&self) -> u64 {
        self.total
            .saturating_sub(self.filtered)
            .saturating_sub(self.unselected)
    }

    fn wants_rejected(&self) -> bool {
        self.rejected_limit < 0 || (self.rejected.len() as i64) < self.rejected_limit
    }

    /// True when another rejected line would still be kept somewhere.
    #[inline]
    pub fn wants_line(&self) -> bool {
        self.lines.len() < MAX_ERROR_LOG_LINES || self.wants_rejected()
    }

    /// Accounting for a routine load task's load spec (`log_rejected_record_num`,
    /// `skip_on_fatal_parse_error`).
    pub fn for_load(load: &starload_proto::be::LoadSpec) -> Self {
        Self {
            rejected_limit: load.log_rejected_record_num,
            skip_fatal: load.skip_on_fatal_parse_error,
            ..Default::default()
        }
    }

    /// Starts keeping rejected rows with their coordinates for the ledger, up to `budget`
    /// bytes (0 = off).
    pub fn collect_for_ledger(&mut self, budget: u64) {
        self.ledger = (budget > 0).then(|| LedgerRows {
            budget,
            ..Default::default()
        });
    }

    /// Tells the ledger collection which chunk the next rejected rows come from: `data` is the
    /// chunk arena, `msgs` each message's (start in the arena, partition, offset, timestamp
    /// ms) in arena order. Decoders call it first thing; a no-op when the ledger is off.
    pub fn begin_chunk(&mut self, data: &[u8], msgs: impl Iterator<Item = (u32, i32, i64, i64)>) {
        if let Some(l) = &mut self.ledger {
            l.chunk = ChunkIndex {
                base: data.as_ptr() as usize,
                len: data.len(),
                msgs: msgs.collect(),
            };
        }
    }

    /// Records a rejected row whose bytes are a copy (no longer in the chunk arena), with its
    /// coordinates (partition, offset, timestamp ms, row start) when known.
    pub fn reject_located(&mut self, reason: &str, raw: &[u8], at: Option<(i32, i64, i64, u32)>) {
        self.count_and_log(reason, raw);
        if let Some(l) = &mut self.ledger {
            match at {
                Some(at) => l.push(at, reason, raw),
                None => l.dropped += 1,
            }
        }
    }

    /// The rows kept for the ledger (taken: a task stages them once) and how many were not
    /// kept (over the budget or without coordinates).
    pub fn take_ledger_rows(&mut self) -> (Vec<RejectedRow>, u64) {
        match &mut self.ledger {
            Some(l) => (std::mem::take(&mut l.rows), l.dropped),
            None => (Vec::new(), 0),
        }
    }

    fn keep(&mut self, reason: &str, raw: &[u8]) {
        let line = format!("Error: {reason}. Row: {}", String::from_utf8_lossy(raw));
        if self.wants_rejected() {
            self.rejected.push(line.clone());
        }
        if self.lines.len() < MAX_ERROR_LOG_LINES {
            self.lines.push(line);
        }
    }

    fn count_and_log(&mut self, reason: &str, raw: &[u8]) {
        self.filtered += 1;
        if self.wants_line() {
            self.keep(reason, raw);
        }
    }

    /// Records one rejected row (counted as filtered; the caller counts it in `total`).
    pub fn reject(&mut self, reason: &str, raw: &[u8]) {
        self.count_and_log(reason, raw);
        if let Some(l) = &mut self.ledger {
            l.keep(reason, raw);
        }
    }

    /// Records a rejected row whose reason and raw text are built only if they will be kept.
    /// (The bytes come from a copy, so the ledger cannot place them: counted as not kept.)
    pub fn reject_with(&mut self, line: impl FnOnce() -> (String, Vec<u8>)) {
        self.filtered += 1;
        if self.wants_line() {
            let (reason, raw) = line();
            self.keep(&reason, &raw);
        }
        if let Some(l) = &mut self.ledger {
            l.dropped += 1;
        }
    }

    /// Records a rejected message whose whole document failed to parse (one error row).
    pub fn reject_fatal(&mut self, reason: &str, raw: &[u8]) {
        if self.fatal_parse_error.is_none() {
            self.fatal_parse_error = Some(reason.to_string());
        }
        self.reject(reason, raw);
    }

    /// The first fatal parse error seen, if any, when it is to stop the task: None under
    /// `skip_on_fatal_parse_error` (the message is then only an error row).
    pub fn fatal_parse_error(&self) -> Option<&str> {
        if self.skip_fatal {
            return None;
        }
        self.fatal_parse_error.as_deref()
    }

    /// Error-log lines kept so far.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Rejected-record lines kept so far.
    pub fn rejected_records(&self) -> &[String] {
        &self.rejected
    }

    /// `filtered / (total - unselected) > max_filter_ratio` (spec §6.3); 1 disables the check.
    pub fn exceeds_filter_ratio(&self, max_filter_ratio: f64) -> bool {
        if max_filter_ratio >= 1.0 || self.filtered == 0 {
            return false;
        }
        let base = self.total.saturating_sub(self.unselected);
        base > 0 && (self.filtered as f64 / base as f64) > max_filter_ratio
    }

    /// Writes the error log to `dir/<file>`; returns the file name (None when nothing was
    /// rejected).
    pub fn write_log(&self, dir: &Path, file: &str) -> std::io::Result<Option<String>> {
        write_lines(&self.lines, dir, file)
    }

    /// Writes the rejected records to `dir/<file>`; returns the file name (None when none are
    /// kept).
    pub fn write_rejected(&self, dir: &Path, file: &str) -> std::io::Result<Option<String>> {
        write_lines(&self.rejected, dir, file)
    }
}

fn write_lines(lines: &[String], dir: &Path, file: &str) -> std::io::Result<Option<String>> {
    if lines.is_empty() {
        return Ok(None);
    }
    std::fs::create_dir_all(dir)?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join(file))?);
    for l in lines {
        f.write_all(l.as_bytes())?;
        f.write_all(b"\n")?;
    }
    f.flush()?;
    Ok(Some(file.to_string()))
}

/// The directory that holds error logs: `<sys_log_dir>/error_log`.
pub fn error_log_dir(sys_log_dir: &str) -> PathBuf {
    Path::new(sys_log_dir).join("error_log")
}

/// The error-log file name of a task: `error_log_<hi>_<lo>` from the task's UUID (StarRocks
/// names files after the load id's two halves).
pub fn error_log_file_name(task_id: &str) -> String {
    let hex: String = task_id.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    if hex.len() == 32 {
        format!("error_log_{}_{}", &hex[..16], &hex[16..])
    } else {
        format!("error_log_{hex}")
    }
}

/// The rejected-record file name of a task: `rejected_record_<hi>_<lo>`.
pub fn rejected_record_file_name(task_id: &str) -> String {
    error_log_file_name(task_id).replacen("error_log_", "rejected_record_", 1)
}

/// The path of an error-log file asked for over HTTP, or None when the name is not one this BE
/// writes (no path separators, no `..`): the HTTP handler must never serve other files.
pub fn error_log_path(sys_log_dir: &str, file: &str) -> Option<PathBuf> {
    let ok = (file.starts_with("error_log_") || file.starts_with("rejected_record_"))
        && file
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
    ok.then(|| error_log_dir(sys_log_dir).join(file))
}

/// `file` resolved inside `dir`, refusing absolute paths and `..`.
pub fn resolve_error_log(dir: &Path, file: &str) -> Option<PathBuf> {
    let rel = Path::new(file);
    if file.is_empty() || rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(dir.join(rel))
}

/// The URL the FE shows in ErrorLogUrls.
pub fn error_log_url(host: &str, http_port: u32, file: &str) -> String {
    format!("http://{host}:{http_port}/api/_load_error_log?file={file}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_ratio() {
        let mut e = ErrorRows::new(0);
        e.total = 10;
        e.unselected = 2;
        e.reject("bad", b"x");
        e.reject("bad", b"y");
        assert_eq!(e.loaded(), 6);
        assert!(e.exceeds_filter_ratio(0.2)); // 2/8 = 0.25
        assert!(!e.exceeds_filter_ratio(0.25));
        assert!(!e.exceeds_filter_ratio(1.0));
        // log_rejected_record_num = 0 keeps no rejected records, the error log still has both.
        assert_eq!(e.lines().len(), 2);
        assert!(e.rejected_records().is_empty());
    }

    #[test]
    fn error_log_keeps_50_lines_and_rejected_records_follow_the_limit() {
        let mut e = ErrorRows::new(2);
        for i in 0..60 {
            e.reject(
                "Target column count: 2 doesn't match source value column count: 1",
                format!("r{i}").as_bytes(),
            );
        }
        assert_eq!(e.filtered, 60);
        assert_eq!(e.lines().len(), MAX_ERROR_LOG_LINES);
        assert_eq!(e.rejected_records().len(), 2);
        assert_eq!(
            e.lines()[0],
            "Error: Target column count: 2 doesn't match source value column count: 1. Row: r0"
        );
        assert!(e.lines()[49].ends_with(". Row: r49"), "{}", e.lines()[49]);
        let dir = tempfile::tempdir().unwrap();
        let name = error_log_file_name("0123456789abcdef-0123-4567-89ab-cdef01234567");
        assert!(name.starts_with("error_log_"));
        let f = e.write_log(dir.path(), &name).unwrap().unwrap();
        let text = std::fs::read_to_string(dir.path().join(f)).unwrap();
        assert_eq!(text.lines().count(), 50);
        let r = rejected_record_file_name("0123456789abcdef-0123-4567-89ab-cdef01234567");
        assert_eq!(r, name.replace("error_log_", "rejected_record_"));
        let f = e.write_rejected(dir.path(), &r).unwrap().unwrap();
        let text = std::fs::read_to_string(dir.path().join(f)).unwrap();
        assert_eq!(text.lines().count(), 2);
        let mut all = ErrorRows::new(-1);
        for _ in 0..100 {
            all.reject("x", b"y");
        }
        assert_eq!(all.rejected_records().len(), 100);
        assert!(all.wants_line());
    }

    #[test]
    fn fatal_parse_errors_are_remembered_once() {
        let mut e = ErrorRows::new(0);
        assert!(e.fatal_parse_error().is_none());
        e.reject_fatal("first", b"a");
        e.reject_fatal("second", b"b");
        assert_eq!(e.fatal_parse_error(), Some("first"));
        assert_eq!(e.filtered, 2);
    }

    #[test]
    fn http_paths_are_confined() {
        assert!(error_log_path("/log", "error_log_ab_cd").is_some());
        assert!(error_log_path("/log", "rejected_record_ab_cd").is_some());
        assert!(error_log_path("/log", "../etc/passwd").is_none());
        assert!(error_log_path("/log", "error_log_a/../../x").is_none());
        assert_eq!(
            error_log_url("h", 8040, "error_log_a"),
            "http://h:8040/api/_load_error_log?file=error_log_a"
        );
    }
}
