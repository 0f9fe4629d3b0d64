//! The privilege check every statement passes before it runs (StarRocks
//! `AuthorizerStmtVisitor`); account statements check themselves in `handler/auth.rs`, and
//! SELECT checks every table its plan reads when the query engine resolves it
//! ([`check_select`]). Row-filtered SHOW statements (SHOW ROUTINE LOAD [TASK]) call
//! [`can_see_job`].
//!
//! | statement | needs |
//! |---|---|
//! | CREATE DATABASE | CREATE DATABASE on CATALOG default_catalog |
//! | DROP DATABASE | DROP on DATABASE |
//! | CREATE TABLE | CREATE TABLE on DATABASE |
//! | DROP TABLE | DROP on TABLE; TRUNCATE TABLE: DELETE on TABLE |
//! | DESC, SHOW COLUMNS / CREATE TABLE / INDEX | any privilege on TABLE |
//! | SHOW CREATE DATABASE | any privilege on DATABASE; USE: any on or in the database |
//! | CREATE / ALTER / PAUSE / RESUME / STOP ROUTINE LOAD | INSERT on the target TABLE |
//! | SHOW CREATE ROUTINE LOAD | any privilege on the target TABLE (StarRocks: not located) |
//! | SHOW ROUTINE LOAD TXN / LAG | rows of jobs on tables the user may INSERT into (others: unknown job) |
//! | PREVIEW ROUTINE LOAD | INSERT on the target TABLE (as CREATE) |
//! | SHOW LOAD | nothing (StarRocks's `visitShowLoadStatement`: "No authorization required") |
//! | SELECT | SELECT on every table read (information_schema is open to all) |
//! | ALTER SYSTEM | NODE on SYSTEM; SHOW BACKENDS / FRONTENDS: OPERATE or NODE |
//! | SHOW PROC, ADMIN SET / SHOW FRONTEND CONFIG, SET GLOBAL | OPERATE on SYSTEM |
//! | SHOW DATABASES / SHOW TABLES | rows filtered to objects with some privilege |
//! | KILL another user's connection | OPERATE on SYSTEM (else 1095); SHOW PROCESSLIST lists only the user's own connections without it |

use crate::catalog::Catalog;
use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::privilege::show::DEFAULT_CATALOG;
use crate::privilege::types::{Priv, PrivObject};
use crate::privilege::{Principal, PrivilegeMgr};
use crate::session::Session;
use crate::sql::admin::AdminStmt;
use crate::sql::ddl::{DdlStmt, TableRef};
use crate::sql::insert::WriteStmt;
use crate::sql::partition_stmt::PartitionStmt;
use crate::sql::routine_load::{JobRef, RoutineLoadStmt};
use crate::sql::session_stmt::{SessionStmt, SetItem};
use crate::sql::view::ViewStmt;
use crate::sql::Statement;
use crate::variables::VarScope;
use starload_proto::error_code;

/// Checks `stmt` for the session's principal. Objects that do not exist are left to the
/// statement itself (it reports them with its own error), except where StarRocks's
/// authorizer reports them first.
pub fn check(ctx: &FeContext, session: &Session, stmt: &Statement) -> SqlResult<()> {
    let p = &session.principal;
    if is_superuser(p) {
        return Ok(());
    }
    match stmt {
        // SHOW LOAD: StarRocks's authorizer requires nothing (`visitShowLoadStatement`).
        Statement::Auth(_) | Statement::Query(_) | Statement::Load(_) => Ok(()),
        Statement::Session(s) => check_session(ctx, session, s),
        Statement::Ddl(d) => check_ddl(ctx, session, d),
        // ALTER needs ALTER on the table; SHOW PARTITIONS any privilege on it (StarRocks 3.x:
        // SELECT; any table privilege shows it here, as SHOW CREATE TABLE does).
        Statement::Write(WriteStmt::Insert(i)) => {
            table_priv(ctx, session, &i.table, Some(Priv::Insert))
        }
        Statement::Write(WriteStmt::Delete(d)) => {
            table_priv(ctx, session, &d.table, Some(Priv::Delete))
        }
        Statement::Partition(PartitionStmt::ShowPartitions { table, .. }) => {
            table_priv(ctx, session, table, None)
        }
        Statement::Partition(
            PartitionStmt::AddPartition { table, .. } | PartitionStmt::DropPartition { table, .. },
        ) => table_priv(ctx, session, table, Some(Priv::Alter)),
        Statement::Admin(a) => check_admin(ctx, p, a),
        Statement::RoutineLoad(r) => check_routine_load(ctx, session, r),
        // PREVIEW needs what CREATE needs (INSERT on its table); SHOW ROUTINE LOAD TXN / LAG
        // list only jobs the user may see (as SHOW ROUTINE LOAD).
        Statement::RoutineLoadHealth(crate::sql::routine_load_health::HealthStmt::Preview {
            create,
            ..
        }) => check_create_routine_load(ctx, session, create),
        // REPLAY writes into the job's table: INSERT on it, as PAUSE / ALTER of the job.
        Statement::RoutineLoadHealth(crate::sql::routine_load_health::HealthStmt::Replay {
            job,
            ..
        }) => match job_table(ctx, session, job) {
            Some((db, t, name)) => table_priv_by_id(ctx, p, db, t, &name, Some(Priv::Insert)),
            None => Ok(()),
        },
        Statement::RoutineLoadHealth(_) => Ok(()),
        Statement::View(v) => check_view(ctx, session, v),
    }
}

/// A view is a table-like object: CREATE VIEW needs CREATE VIEW on the database; ALTER,
/// DROP and SHOW CREATE VIEW need ALTER, DROP, any privilege on the view.
fn check_view(ctx: &FeContext, session: &Session, v: &ViewStmt) -> SqlResult<()> {
    let (t, want) = match v {
        ViewStmt::Create { view, .. } => {
            let db = db_name(session, view.db.as_ref())?;
            return match ctx.catalog.get_db(&db) {
                Some(d) => ctx.privilege.require(
                    &session.principal,
                    Priv::CreateView,
                    &PrivObject::Database { db: Some(d.id) },
                    Some(&db),
                ),
                None => Ok(()),
            };
        }
        ViewStmt::Alter { view, .. } => (view, Some(Priv::Alter)),
        ViewStmt::Drop { view, .. } => (view, Some(Priv::Drop)),
        ViewStmt::ShowCreate { view } => (view, None),
    };
    table_priv(ctx, session, t, want)
}

/// `'root'@'%'` with its root role active: every check passes without a lookup.
fn is_superuser(p: &Principal) -> bool {
    p.user == "root" && p.host == "%" && p.roles.contains(crate::privilege::roles::ROOT)
}

fn system(ctx: &FeContext, p: &Principal, want: Priv) -> SqlResult<()> {
    ctx.privilege.require(p, want, &PrivObject::System, None)
}

fn check_session(ctx: &FeContext, session: &Session, s: &SessionStmt) -> SqlResult<()> {
    match s {
        SessionStmt::Set(items) => {
            let global = items.iter().any(|i| match i {
                SetItem::Var { scope, .. } => *scope == VarScope::Global,
                SetItem::Transaction { scope, .. } => *scope == Some(VarScope::Global),
                _ => false,
            });
            if global {
                system(ctx, &session.principal, Priv::Operate)?;
            }
            Ok(())
        }
        SessionStmt::Use { db, .. } => check_use(ctx, &session.principal, db),
        // Another user's connection needs OPERATE (StarRocks StatementExecutor.handleKill).
        SessionStmt::Kill { id, .. } => {
            let owner = ctx
                .sessions
                .list()
                .into_iter()
                .find(|c| i64::from(c.id) == *id)
                .map(|c| c.user);
            match owner {
                Some(u) if u != session.user && !has_operate(ctx, session) => Err(SqlError::code(
                    error_code::ERR_KILL_DENIED_ERROR,
                    &[&id.to_string()],
                )),
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// OPERATE on SYSTEM (see every connection, kill others').
pub fn has_operate(ctx: &FeContext, session: &Session) -> bool {
    is_superuser(&session.principal)
        || ctx
            .privilege
            .allows(&session.principal, Priv::Operate, &PrivObject::System)
}

/// USE / COM_INIT_DB: any privilege on the database or on something in it.
pub fn check_use(ctx: &FeContext, p: &Principal, db: &str) -> SqlResult<()> {
    if is_superuser(p) || Catalog::is_system_db(db) {
        return Ok(());
    }
    let Some(d) = ctx.catalog.get_db(db) else {
        return Ok(());
    };
    if ctx.privilege.allows_any_in_db(p, d.id) {
        return Ok(());
    }
    Err(ctx.privilege.denied(p, "ANY", "DATABASE", Some(db)))
}

/// The database a statement names, or the session's.
fn db_name(session: &Session, db: Option<&String>) -> SqlResult<String> {
    match db {
        Some(d) => Ok(d.clone()),
        None if !session.current_db.is_empty() => Ok(session.current_db.clone()),
        // ERR_NO_DB_ERROR comes from StarRocks's analyzers (reportSemanticException).
        None => Err(SqlError::no_db().in_analyzer()),
    }
}

/// `want` (None = any) on a table; unknown tables are left to the statement.
fn table_priv(
    ctx: &FeContext,
    session: &Session,
    t: &TableRef,
    want: Option<Priv>,
) -> SqlResult<()> {
    let db = db_name(session, t.db.as_ref())?;
    if Catalog::is_system_db(&db) {
        return Ok(());
    }
    // A view is checked as the table of its id.
    let (db_id, id) = match ctx.catalog.get_table(&db, &t.table) {
        Some(table) => (table.db_id, table.id),
        None => match ctx.catalog.get_view(&db, &t.table) {
            Some(v) => (v.db_id, v.id),
            None => return Ok(()),
        },
    };
    table_priv_by_id(ctx, &session.principal, db_id, id, &t.table, want)
}

fn table_priv_by_id(
    ctx: &FeContext,
    p: &Principal,
    db_id: i64,
    table_id: i64,
    table_name: &str,
    want: Option<Priv>,
) -> SqlResult<()> {
    let target = PrivObject::Table {
        db: Some(db_id),
        table: Some(table_id),
    };
    match want {
        Some(w) => ctx.privilege.require(p, w, &target, Some(table_name)),
        None => {
            if ctx.privilege.allows_any(p, &target) {
                Ok(())
            } else {
                Err(ctx.privilege.denied(p, "ANY", "TABLE", Some(table_name)))
            }
        }
    }
}

fn db_priv(ctx: &FeContext, p: &Principal, db: &str, want: Option<Priv>) -> SqlResult<()> {
    if Catalog::is_system_db(db) {
        return Ok(());
    }
    let Some(d) = ctx.catalog.get_db(db) else {
        return Ok(());
    };
    let target = PrivObject::Database { db: Some(d.id) };
    match want {
        Some(w) => ctx.privilege.require(p, w, &target, Some(db)),
        None => {
            if ctx.privilege.allows_any(p, &target) {
                Ok(())
            } else {
                Err(ctx.privilege.denied(p, "ANY", "DATABASE", Some(db)))
            }
        }
    }
}

fn check_ddl(ctx: &FeContext, session: &Session, d: &DdlStmt) -> SqlResult<()> {
    let p = &session.principal;
    match d {
        DdlStmt::CreateDatabase { .. } => ctx.privilege.require(
            p,
            Priv::CreateDatabase,
            &PrivObject::Catalog {
                name: Some(DEFAULT_CATALOG.into()),
            },
            Some(DEFAULT_CATALOG),
        ),
        DdlStmt::DropDatabase { name, .. } => db_priv(ctx, p, name, Some(Priv::Drop)),
        DdlStmt::CreateTable(c) => {
            let db = db_name(session, c.table.db.as_ref())?;
            if Catalog::is_system_db(&db) {
                return Ok(());
            }
            match ctx.catalog.get_db(&db) {
                Some(d) => ctx.privilege.require(
                    p,
                    Priv::CreateTable,
                    &PrivObject::Database { db: Some(d.id) },
                    Some(&db),
                ),
                None => Ok(()),
            }
        }
        DdlStmt::DropTable { table, .. } => table_priv(ctx, session, table, Some(Priv::Drop)),
        DdlStmt::TruncateTable { table, .. } => table_priv(ctx, session, table, Some(Priv::Delete)),
        DdlStmt::ShowColumns { table, .. }
        | DdlStmt::Desc { table, .. }
        | DdlStmt::ShowCreateTable { table }
        | DdlStmt::ShowIndex { table }
        | DdlStmt::ShowData { table: Some(table) } => table_priv(ctx, session, table, None),
        DdlStmt::ShowCreateDatabase { name } => db_priv(ctx, p, name, None),
        DdlStmt::ShowDatabases { .. }
        | DdlStmt::ShowTables { .. }
        | DdlStmt::ShowTableStatus { .. }
        // SHOW DATA of a database lists only the tables the user may see (its executor).
        | DdlStmt::ShowData { table: None } => Ok(()),
    }
}

fn check_admin(ctx: &FeContext, p: &Principal, a: &AdminStmt) -> SqlResult<()> {
    match a {
        AdminStmt::AddBackends(_)
        | AdminStmt::DropBackends(_)
        | AdminStmt::AddFrontend { .. }
        | AdminStmt::DropFrontend { .. } => system(ctx, p, Priv::Node),
        AdminStmt::ShowBackends | AdminStmt::ShowFrontends => {
            let sys = PrivObject::System;
            if ctx.privilege.allows(p, Priv::Operate, &sys)
                || ctx.privilege.allows(p, Priv::Node, &sys)
            {
                Ok(())
            } else {
                Err(ctx.privilege.denied(p, "OPERATE OR NODE", "SYSTEM", None))
            }
        }
        AdminStmt::ShowProc(_)
        | AdminStmt::SetFrontendConfig(_)
        | AdminStmt::ShowFrontendConfig { .. } => system(ctx, p, Priv::Operate),
    }
}

/// The target table of an existing job (final jobs included), as `(db id, table id, name)`.
fn job_table(ctx: &FeContext, session: &Session, j: &JobRef) -> Option<(i64, i64, String)> {
    let db = db_name(session, j.db.as_ref()).ok()?;
    let d = ctx.catalog.get_db(&db)?;
    let id = ctx.routine_load.find(d.id, &j.name, true)?;
    let e = ctx.routine_load.get(id)?;
    Some((e.job.db_id, e.job.table_id, e.job.table_name.clone()))
}

/// CREATE ROUTINE LOAD (and PREVIEW ROUTINE LOAD, its dry run): INSERT on the table. Checked
/// before the statement runs (StarRocks authorizes CREATE ROUTINE LOAD before the table is
/// looked up), so an unknown table is denied too.
fn check_create_routine_load(
    ctx: &FeContext,
    session: &Session,
    c: &crate::sql::routine_load::CreateRoutineLoad,
) -> SqlResult<()> {
    let db = db_name(session, c.job.db.as_ref())?;
    let target = ctx
        .catalog
        .get_table(&db, &c.table)
        .map(|t| PrivObject::Table {
            db: Some(t.db_id),
            table: Some(t.id),
        })
        .unwrap_or(PrivObject::Table {
            db: Some(-1),
            table: Some(-1),
        });
    ctx.privilege
        .require(&session.principal, Priv::Insert, &target, Some(&c.table))
}

fn check_routine_load(ctx: &FeContext, session: &Session, r: &RoutineLoadStmt) -> SqlResult<()> {
    let p = &session.principal;
    match r {
        RoutineLoadStmt::Create(c) => check_create_routine_load(ctx, session, c),
        // A job that cannot be found is reported by the statement (5089).
        RoutineLoadStmt::Alter(a) => match job_table(ctx, session, &a.job) {
            Some((db, t, name)) => table_priv_by_id(ctx, p, db, t, &name, Some(Priv::Insert)),
            None => Ok(()),
        },
        RoutineLoadStmt::Pause(j) | RoutineLoadStmt::Resume(j) | RoutineLoadStmt::Stop(j) => {
            match job_table(ctx, session, j) {
                Some((db, t, name)) => table_priv_by_id(ctx, p, db, t, &name, Some(Priv::Insert)),
                None => Ok(()),
            }
        }
        RoutineLoadStmt::ShowCreate(j) => match job_table(ctx, session, j) {
            Some((db, t, name)) => table_priv_by_id(ctx, p, db, t, &name, None),
            None => Ok(()),
        },
        RoutineLoadStmt::Show(_) | RoutineLoadStmt::ShowTask(_) => Ok(()),
    }
}

/// SHOW ROUTINE LOAD [TASK] rows: jobs whose target table the session may load into
/// (`ShowExecutor` keeps tables with any privilege, its functional filter then INSERT).
pub fn can_see_job(ctx: &FeContext, session: &Session, db_id: i64, table_id: i64) -> bool {
    sees_job(&ctx.privilege, &session.principal, db_id, table_id)
}

/// [`can_see_job`] for a principal (information_schema.routine_load_jobs).
pub fn sees_job(privilege: &PrivilegeMgr, p: &Principal, db_id: i64, table_id: i64) -> bool {
    is_superuser(p)
        || privilege.allows(
            p,
            Priv::Insert,
            &PrivObject::Table {
                db: Some(db_id),
                table: Some(table_id),
            },
        )
}

/// SHOW DATABASES: a database the user holds something on or in (system databases always).
pub fn can_see_db(ctx: &FeContext, session: &Session, db: &str) -> bool {
    sees_db(&ctx.catalog, &ctx.privilege, &session.principal, db)
}

/// [`can_see_db`] for a principal (information_schema.schemata).
pub fn sees_db(catalog: &Catalog, privilege: &PrivilegeMgr, p: &Principal, db: &str) -> bool {
    if is_superuser(p) || Catalog::is_system_db(db) {
        return true;
    }
    catalog
        .get_db(db)
        .is_some_and(|d| privilege.allows_any_in_db(p, d.id))
}

/// SHOW TABLES: a table the user holds any privilege on.
pub fn can_see_table(ctx: &FeContext, session: &Session, db_id: i64, table_id: i64) -> bool {
    sees_table(&ctx.privilege, &session.principal, db_id, table_id)
}

/// [`can_see_table`] for a principal (information_schema's table rows, StarRocks's
/// `checkAnyActionOnTableLikeObject`).
pub fn sees_table(privilege: &PrivilegeMgr, p: &Principal, db_id: i64, table_id: i64) -> bool {
    is_superuser(p)
        || privilege.allows_any(
            p,
            &PrivObject::Table {
                db: Some(db_id),
                table: Some(table_id),
            },
        )
}

/// SELECT on one table a query reads.
pub fn check_select(
    privilege: &PrivilegeMgr,
    p: &Principal,
    db_id: i64,
    table_id: i64,
    table: &str,
) -> SqlResult<()> {
    if is_superuser(p) {
        return Ok(());
    }
    privilege.require(
        p,
        Priv::Select,
        &PrivObject::Table {
            db: Some(db_id),
            table: Some(table_id),
        },
        Some(table),
    )
}
