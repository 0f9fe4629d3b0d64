//! The FE's user-facing error: what reaches the MySQL client as an ERR packet.
//! Module errors convert into it at the handler edge; `server/` turns it into bytes.

use starload_proto::error_code::{self, ErrorCode};

/// An error as the client sees it: errno, SQLSTATE and message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("{message}")]
pub struct SqlError {
    pub errno: u16,
    pub sqlstate: String,
    pub message: String,
}

impl SqlError {
    /// An error for a table entry with its template filled.
    pub fn code(code: ErrorCode, args: &[&str]) -> Self {
        Self {
            errno: code.errno,
            sqlstate: code.sqlstate.to_string(),
            message: code.format(args),
        }
    }

    /// StarRocks's default for errors without an ErrorCode: 1064 / HY000, message verbatim
    /// (DdlException / UserException texts).
    pub fn plain(message: impl Into<String>) -> Self {
        Self {
            errno: 1064,
            sqlstate: "HY000".into(),
            message: message.into(),
        }
    }

    /// An analyzer error: `Getting analyzing error. Detail message: <msg>.` (1064/HY000).
    pub fn analyzing(detail: impl AsRef<str>) -> Self {
        Self::plain(format!(
            "Getting analyzing error. Detail message: {}.",
            detail.as_ref()
        ))
    }

    /// An analyzer error raised through an ErrorCode (`ErrorReport.reportSemanticException`):
    /// the analyzer's wording around the entry's text, with the entry's errno and SQLSTATE
    /// (since 3.3 `ErrorReport` records the code on the connection's state, and the
    /// SemanticException only supplies the message).
    pub fn analyzing_code(code: ErrorCode, args: &[&str]) -> Self {
        Self::code(code, args).in_analyzer()
    }

    /// The same error as raised from the analyzer: message wrapped in `Getting analyzing
    /// error. Detail message: <msg>.`, errno and SQLSTATE kept.
    pub fn in_analyzer(mut self) -> Self {
        self.message = format!("Getting analyzing error. Detail message: {}.", self.message);
        self
    }

    /// A parser error with StarRocks's prefix. `position` is e.g. ` at line 1, column 5`.
    pub fn syntax(position: &str, detail: &str) -> Self {
        if detail.is_empty() {
            Self::plain(format!("Getting syntax error{position}."))
        } else {
            Self::plain(format!(
                "Getting syntax error{position}. Detail message: {detail}."
            ))
        }
    }

    /// 5501 (3F000) Unknown database, as an executor/DDL error (plain text).
    pub fn bad_db(db: &str) -> Self {
        Self::code(error_code::ERR_BAD_DB_ERROR, &[db])
    }

    /// 5502 (42602) Unknown table, as an executor/DDL error (plain text).
    pub fn bad_table(table: &str) -> Self {
        Self::code(error_code::ERR_BAD_TABLE_ERROR, &[table])
    }

    /// 1046 No database selected.
    pub fn no_db() -> Self {
        Self::code(error_code::ERR_NO_DB_ERROR, &[])
    }

    /// Internal failure (storage, RPC): 1064/HY000 with the cause, never a dropped connection.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::plain(e.to_string())
    }
}

/// Result alias used by handlers.
pub type SqlResult<T> = Result<T, SqlError>;
