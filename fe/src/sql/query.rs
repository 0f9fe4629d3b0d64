//! SELECT and other sqlparser-parsed statements (MySQL dialect of DataFusion's sqlparser).

use crate::error::{SqlError, SqlResult};

/// A query statement, kept as text and parsed by DataFusion when planned.
#[derive(Debug, Clone)]
pub struct QueryStmt {
    /// The query (without a leading EXPLAIN).
    pub sql: String,
    /// `EXPLAIN <query>`: answer the plan instead of the rows.
    pub explain: bool,
}

/// Parses a query. Anything no other family recognised lands here.
pub fn parse(sql: &str) -> SqlResult<QueryStmt> {
    // StarRocks's `EXPLAIN [LOGICAL|VERBOSE|COSTS] <query>`: the plan levels all show our one
    // physical plan.
    let mut words = sql.trim_start().splitn(2, char::is_whitespace);
    if words
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("EXPLAIN"))
    {
        let mut rest = words.next().unwrap_or("").trim_start();
        for level in ["LOGICAL", "VERBOSE", "COSTS"] {
            let mut w = rest.splitn(2, char::is_whitespace);
            if w.next().is_some_and(|x| x.eq_ignore_ascii_case(level)) {
                rest = w.next().unwrap_or("").trim_start();
                break;
            }
        }
        let mut inner = parse(rest)?;
        if inner.explain {
            return Err(SqlError::syntax(
                " at line 1, column 0",
                "No viable statement for input 'EXPLAIN'",
            ));
        }
        inner.explain = true;
        return Ok(inner);
    }
    let first = sql
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    if first == "SELECT" || first == "WITH" || first.starts_with('(') {
        Ok(QueryStmt {
            sql: sql.to_string(),
            explain: false,
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
