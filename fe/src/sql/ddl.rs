//! Parser for the ddl statement family (see `sql.rs` for the dispatch).

use crate::error::SqlResult;

/// A parsed ddl statement.
#[derive(Debug, Clone)]
pub enum DdlStmt {}

/// Returns None when `sql` is not a statement of this family.
pub fn try_parse(_sql: &str) -> Option<SqlResult<DdlStmt>> {
    None
}
