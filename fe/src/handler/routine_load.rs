//! Executes routine_load statements.

use crate::context::FeContext;
use crate::error::SqlResult;
use crate::handler::QueryResult;
use crate::session::Session;
use crate::sql::routine_load::RoutineLoadStmt;

pub async fn execute(
    _ctx: &FeContext,
    _session: &mut Session,
    stmt: RoutineLoadStmt,
) -> SqlResult<QueryResult> {
    match stmt {}
}
