//! `PREVIEW ROUTINE LOAD <CREATE body> [LIMIT n]` (issue 16 item 3): a dry run of a job that
//! does not exist yet.

use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::result::QueryResult;
use crate::session::Session;
use crate::sql::routine_load::CreateRoutineLoad;

pub async fn preview(
    _ctx: &FeContext,
    _session: &Session,
    _create: CreateRoutineLoad,
    _limit: u64,
) -> SqlResult<QueryResult> {
    Err(SqlError::plain("PREVIEW ROUTINE LOAD is not supported yet"))
}
