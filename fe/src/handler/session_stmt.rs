//! Executes session_stmt statements.

use crate::context::FeContext;
use crate::error::SqlResult;
use crate::handler::QueryResult;
use crate::session::Session;
use crate::sql::session_stmt::SessionStmt;

pub async fn execute(
    _ctx: &FeContext,
    _session: &mut Session,
    stmt: SessionStmt,
) -> SqlResult<QueryResult> {
    match stmt {}
}
