//! Where a statement runs. Writes of metadata run on the leader (a follower forwards them, as
//! StarRocks's followers forward to the leader); reads of metadata run locally after a read
//! index check; session statements run locally.

use crate::sql::admin::AdminStmt;
use crate::sql::auth::AuthStmt;
use crate::sql::ddl::DdlStmt;
use crate::sql::partition_stmt::PartitionStmt;
use crate::sql::routine_load::RoutineLoadStmt;
use crate::sql::session_stmt::{SessionStmt, SetItem};
use crate::sql::view::ViewStmt;
use crate::sql::Statement;
use crate::variables::VarScope;

/// Where a statement runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// On this FE, with its session only (SET, USE, KILL, SHOW VARIABLES, ...).
    Local,
    /// On the leader: it changes replicated metadata.
    Leader,
    /// On this FE, once it has applied everything the leader had committed when asked.
    Read,
}

/// The route of `stmt`. A statement this table does not know runs on the leader: always
/// correct, at worst one hop slower.
pub fn route(stmt: &Statement) -> Route {
    match stmt {
        Statement::Query(_) | Statement::Load(_) => Route::Read,
        Statement::Session(s) => match s {
            SessionStmt::Set(items) if items.iter().any(is_global) => Route::Leader,
            _ => Route::Local,
        },
        Statement::Auth(a) => match a {
            AuthStmt::ShowUsers | AuthStmt::ShowGrants { .. } => Route::Read,
            AuthStmt::SetRole(_) => Route::Local,
            _ => Route::Leader,
        },
        Statement::Ddl(d) => match d {
            DdlStmt::ShowDatabases { .. }
            | DdlStmt::ShowTables { .. }
            | DdlStmt::ShowColumns { .. }
            | DdlStmt::Desc { .. }
            | DdlStmt::ShowCreateTable { .. }
            | DdlStmt::ShowCreateDatabase { .. }
            | DdlStmt::ShowTableStatus { .. }
            | DdlStmt::ShowIndex { .. }
            | DdlStmt::ShowData { .. } => Route::Read,
            _ => Route::Leader,
        },
        Statement::Partition(p) => match p {
            PartitionStmt::ShowPartitions { .. } => Route::Read,
            _ => Route::Leader,
        },
        Statement::Write(_) => Route::Leader,
        Statement::Admin(a) => match a {
            // Runtime config is per FE in StarRocks too (ADMIN SET FRONTEND CONFIG changes the
            // FE it is sent to).
            AdminStmt::SetFrontendConfig(_) | AdminStmt::ShowFrontendConfig { .. } => Route::Local,
            AdminStmt::ShowBackends | AdminStmt::ShowFrontends | AdminStmt::ShowProc(_) => {
                Route::Read
            }
            _ => Route::Leader,
        },
        Statement::RoutineLoad(r) => match r {
            RoutineLoadStmt::Show(_)
            | RoutineLoadStmt::ShowTask(_)
            | RoutineLoadStmt::ShowCreate(_) => Route::Read,
            _ => Route::Leader,
        },
        // Issue 16: LAG reads the leader's in-memory observations (task reports and the lag
        // probe run there); TXN and PREVIEW are cheap enough to run there too.
        Statement::RoutineLoadHealth(_) => Route::Leader,
        Statement::View(v) => match v {
            ViewStmt::ShowCreate { .. } => Route::Read,
            _ => Route::Leader,
        },
    }
}

fn is_global(item: &SetItem) -> bool {
    matches!(
        item,
        SetItem::Var {
            scope: VarScope::Global,
            ..
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(sql: &str) -> Route {
        route(&crate::sql::parse(sql).expect("parses"))
    }

    #[test]
    fn writes_go_to_the_leader_reads_stay() {
        assert_eq!(r("CREATE DATABASE d"), Route::Leader);
        assert_eq!(r("INSERT INTO d.t VALUES (1)"), Route::Leader);
        assert_eq!(r("PAUSE ROUTINE LOAD FOR d.j"), Route::Leader);
        assert_eq!(r("SET GLOBAL time_zone = '+08:00'"), Route::Leader);
        assert_eq!(
            r("ALTER SYSTEM ADD FOLLOWER \"127.0.0.1:9110\""),
            Route::Leader
        );
        assert_eq!(r("SELECT 1"), Route::Read);
        assert_eq!(r("SHOW ROUTINE LOAD FOR d.j"), Route::Read);
        assert_eq!(r("SHOW FRONTENDS"), Route::Read);
        assert_eq!(r("DESC d.t"), Route::Read);
        assert_eq!(r("SET time_zone = '+08:00'"), Route::Local);
        assert_eq!(r("USE d"), Route::Local);
    }
}
