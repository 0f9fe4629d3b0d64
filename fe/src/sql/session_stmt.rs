//! Parser for the session_stmt statement family (see `sql.rs` for the dispatch).

use crate::error::SqlResult;

/// A parsed session_stmt statement.
#[derive(Debug, Clone)]
pub enum SessionStmt {}

/// Returns None when `sql` is not a statement of this family.
pub fn try_parse(_sql: &str) -> Option<SqlResult<SessionStmt>> {
    None
}
