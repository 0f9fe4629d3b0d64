//! SELECT and other sqlparser-parsed statements (MySQL dialect of DataFusion's sqlparser).

use crate::error::{SqlError, SqlResult};

/// A query statement, kept as text and parsed by DataFusion when planned.
#[derive(Debug, Clone)]
pub struct QueryStmt {
    pub sql: String,
}

/// Parses a query. Anything no other family recognised lands here.
pub fn parse(sql: &str) -> SqlResult<QueryStmt> {
    let first = sql
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    if first == "SELECT" || first == "WITH" || first.starts_with('(') {
        Ok(QueryStmt {
            sql: sql.to_string(),
        })
    } else {
        Err(SqlError::syntax(
            " at line 1, column 0",
            &format!(
                "No viable statement for input '{}'",
                sql.split_whitespace().next().unwrap_or("")
            ),
        ))
    }
}
