//! Executes admin statements.

use crate::context::FeContext;
use crate::error::SqlResult;
use crate::handler::QueryResult;
use crate::session::Session;
use crate::sql::admin::AdminStmt;

pub async fn execute(
    _ctx: &FeContext,
    _session: &mut Session,
    stmt: AdminStmt,
) -> SqlResult<QueryResult> {
    match stmt {}
}
