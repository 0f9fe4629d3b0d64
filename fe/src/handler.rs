//! Executes parsed statements. `server/` calls [`execute`]; each statement family has its own
//! file under `handler/`, owned by the module it drives. Behaviour sits behind this function so
//! it can be tested without a socket.

pub mod admin;
pub mod auth;
pub mod authorize;
pub mod create_table;
pub mod ddl;
pub mod dynamic_partition;
pub mod dynamic_partition_scheduler;
pub mod frontend_ddl;
pub mod insert;
pub mod load_show;
pub mod overwrite;
pub mod partition_analysis;
pub mod partition_batch;
pub mod partition_ddl;
pub mod proc_dbs;
pub mod query;
pub mod resolve;
pub mod routine_load;
pub mod routine_load_health;
pub mod routine_load_preview;
pub mod routine_load_replay;
pub mod session_stmt;
pub mod show_data;
pub mod view;

use crate::context::FeContext;
use crate::error::SqlResult;
use crate::result::QueryResult;
use crate::session::Session;
use crate::sql::Statement;

/// Executes one statement for `session`.
pub async fn execute(
    ctx: &FeContext,
    session: &mut Session,
    stmt: Statement,
) -> SqlResult<QueryResult> {
    authorize::check(ctx, session, &stmt)?;
    // Table statements that name a view answer as StarRocks answers them for a View.
    if let Some(r) = view::on_view(ctx, session, &stmt) {
        return r;
    }
    match stmt {
        Statement::Auth(s) => auth::execute(ctx, session, s).await,
        Statement::Session(s) => session_stmt::execute(ctx, session, s).await,
        Statement::Ddl(s) => ddl::execute(ctx, session, s).await,
        Statement::Partition(s) => partition_ddl::execute(ctx, session, s).await,
        Statement::Write(s) => insert::execute(ctx, session, s).await,
        Statement::Admin(s) => admin::execute(ctx, session, s).await,
        Statement::RoutineLoad(s) => routine_load::execute(ctx, session, s).await,
        Statement::RoutineLoadHealth(s) => routine_load_health::execute(ctx, session, s).await,
        Statement::Load(s) => load_show::execute(ctx, session, s),
        Statement::Query(s) => query::execute(ctx, session, s).await,
        Statement::View(s) => view::execute(ctx, session, s).await,
    }
}
