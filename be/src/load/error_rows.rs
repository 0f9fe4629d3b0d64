//! Row accounting of one task and its error log.
//!
//! Counters follow StarRocks (spec routine-load.md §6): every row the decoders saw is counted in
//! `total`; rows dropped by WHERE are `unselected` (never errors); rows that failed decoding,
//! conversion or a NOT NULL check are `filtered`; `loaded = total - filtered - unselected`.
//!
//! Rejected rows are kept (up to `log_rejected_record_num`, -1 = unlimited; StarRocks's default
//! keeps the first 1000) and written, one line per row, to `<sys_log_dir>/error_log/<file>`,
//! where the BE HTTP server serves them as `/api/_load_error_log?file=<file>` (frontend.md §8.3).
//! Line format as StarRocks prints it: `Error: <reason>. Row: <raw row>`.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The number of rejected rows kept when the job does not say (StarRocks keeps the first 1000).
pub const DEFAULT_REJECTED_RECORD_NUM: i64 = 1000;

/// Counters and rejected rows of one task.
#[derive(Debug, Default)]
pub struct ErrorRows {
    /// Rows seen (decoded rows plus rows rejected while decoding).
    pub total: u64,
    /// Rows rejected (decode, conversion, NOT NULL, expression errors).
    pub filtered: u64,
    /// Rows dropped by WHERE.
    pub unselected: u64,
    /// Rejected lines kept for the error log.
    lines: Vec<String>,
    /// How many lines to keep; negative = all.
    limit: i64,
}

impl ErrorRows {
    /// New accounting keeping up to `log_rejected_record_num` rejected rows (0 = the default
    /// 1000, negative = all).
    pub fn new(log_rejected_record_num: i64) -> Self {
        Self {
            limit: if log_rejected_record_num == 0 {
                DEFAULT_REJECTED_RECORD_NUM
            } else {
                log_rejected_record_num
            },
            ..Default::default()
        }
    }

    /// Loaded rows (`total - filtered - unselected`).
    pub fn loaded(&self) -> u64 {
        self.total
            .saturating_sub(self.filtered)
            .saturating_sub(self.unselected)
    }

    /// True when another rejected line would still be kept.
    #[inline]
    pub fn wants_line(&self) -> bool {
        self.limit < 0 || (self.lines.len() as i64) < self.limit
    }

    /// Records one rejected row (counted as filtered; the caller counts it in `total`).
    pub fn reject(&mut self, reason: &str, raw: &[u8]) {
        self.filtered += 1;
        if self.wants_line() {
            let raw = String::from_utf8_lossy(raw);
            self.lines.push(format!("Error: {reason}. Row: {raw}"));
        }
    }

    /// Records a rejected row whose line text is built only if it will be kept.
    pub fn reject_with(&mut self, line: impl FnOnce() -> (String, Vec<u8>)) {
        self.filtered += 1;
        if self.wants_line() {
            let (reason, raw) = line();
            let raw = String::from_utf8_lossy(&raw);
            self.lines.push(format!("Error: {reason}. Row: {raw}"));
        }
    }

    /// Rejected lines kept so far.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// `filtered / (total - unselected) > max_filter_ratio` (spec §6.3); 1 disables the check.
    pub fn exceeds_filter_ratio(&self, max_filter_ratio: f64) -> bool {
        if max_filter_ratio >= 1.0 || self.filtered == 0 {
            return false;
        }
        let base = self.total.saturating_sub(self.unselected);
        base > 0 && (self.filtered as f64 / base as f64) > max_filter_ratio
    }

    /// Writes the kept lines to `dir/<file>`; returns the file name (None when nothing was
    /// rejected).
    pub fn write_log(&self, dir: &Path, file: &str) -> std::io::Result<Option<String>> {
        if self.lines.is_empty() {
            return Ok(None);
        }
        std::fs::create_dir_all(dir)?;
        let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join(file))?);
        for l in &self.lines {
            f.write_all(l.as_bytes())?;
            f.write_all(b"\n")?;
        }
        f.flush()?;
        Ok(Some(file.to_string()))
    }
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

/// The path of an error-log file asked for over HTTP, or None when the name is not one this BE
/// writes (no path separators, no `..`): the HTTP handler must never serve other files.
pub fn error_log_path(sys_log_dir: &str, file: &str) -> Option<PathBuf> {
    let ok = file.starts_with("error_log_")
        && file
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
    ok.then(|| error_log_dir(sys_log_dir).join(file))
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
    }

    #[test]
    fn keeps_at_most_limit_lines_and_writes_file() {
        let mut e = ErrorRows::new(2);
        for i in 0..5 {
            e.reject(
                "Value count does not match column count. Expect 2, but got 1",
                format!("r{i}").as_bytes(),
            );
        }
        assert_eq!(e.filtered, 5);
        assert_eq!(e.lines().len(), 2);
        assert_eq!(
            e.lines()[0],
            "Error: Value count does not match column count. Expect 2, but got 1. Row: r0"
        );
        let dir = tempfile::tempdir().unwrap();
        let name = error_log_file_name("0123456789abcdef-0123-4567-89ab-cdef01234567");
        assert!(name.starts_with("error_log_"));
        let f = e.write_log(dir.path(), &name).unwrap().unwrap();
        let text = std::fs::read_to_string(dir.path().join(f)).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(ErrorRows::new(-1).wants_line());
    }

    #[test]
    fn http_paths_are_confined() {
        assert!(error_log_path("/log", "error_log_ab_cd").is_some());
        assert!(error_log_path("/log", "../etc/passwd").is_none());
        assert!(error_log_path("/log", "error_log_a/../../x").is_none());
        assert_eq!(
            error_log_url("h", 8040, "error_log_a"),
            "http://h:8040/api/_load_error_log?file=error_log_a"
        );
    }
}
