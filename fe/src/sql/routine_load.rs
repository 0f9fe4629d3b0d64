//! Parser for the routine_load statement family (see `sql.rs` for the dispatch).

use crate::error::SqlResult;

/// A parsed routine_load statement.
#[derive(Debug, Clone)]
pub enum RoutineLoadStmt {}

/// Returns None when `sql` is not a statement of this family.
pub fn try_parse(_sql: &str) -> Option<SqlResult<RoutineLoadStmt>> {
    None
}
