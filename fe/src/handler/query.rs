//! Executes queries through the query engine.

use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::handler::QueryResult;
use crate::session::Session;
use crate::sql::query::QueryStmt;

pub async fn execute(
    _ctx: &FeContext,
    _session: &mut Session,
    stmt: QueryStmt,
) -> SqlResult<QueryResult> {
    Err(SqlError::plain(format!("not supported yet: {}", stmt.sql)))
}
