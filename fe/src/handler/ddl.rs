//! Executes ddl statements.

use crate::context::FeContext;
use crate::error::SqlResult;
use crate::handler::QueryResult;
use crate::session::Session;
use crate::sql::ddl::DdlStmt;

pub async fn execute(
    _ctx: &FeContext,
    _session: &mut Session,
    stmt: DdlStmt,
) -> SqlResult<QueryResult> {
    match stmt {}
}
