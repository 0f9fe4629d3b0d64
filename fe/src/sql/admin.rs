//! Parser for the admin statement family (see `sql.rs` for the dispatch).

use crate::error::SqlResult;

/// A parsed admin statement.
#[derive(Debug, Clone)]
pub enum AdminStmt {}

/// Returns None when `sql` is not a statement of this family.
pub fn try_parse(_sql: &str) -> Option<SqlResult<AdminStmt>> {
    None
}
