//! SHOW LOAD (StarRocks `ShowExecutor.visitShowLoadStatement`): the database's load jobs
//! (`load_job`), filtered by the analyzed WHERE, sorted (JobId when no ORDER BY), cut by
//! LIMIT / OFFSET, rows formatted in the session's time zone. Analysis order follows
//! StarRocks: the database is required (`No database selected`), WHERE and ORDER BY are
//! analyzed, then the database must exist (`Unknown database`).

use crate::clock::now_ms;
use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::load_job::show::{show_row, SHOW_LOAD_TITLES};
use crate::load_job::show_filter::{analyze_order_by, limit_rows, sort_rows, ShowLoadFilter};
use crate::result::{QueryResult, ResultSet};
use crate::routine_load::properties::DEFAULT_TIME_ZONE;
use crate::session::Session;
use crate::sql::load::{LoadStmt, ShowLoad};

/// Executes a load statement.
pub fn execute(ctx: &FeContext, session: &Session, stmt: LoadStmt) -> SqlResult<QueryResult> {
    match stmt {
        LoadStmt::Show(s) => show_load(ctx, session, &s),
    }
}

fn show_load(ctx: &FeContext, session: &Session, s: &ShowLoad) -> SqlResult<QueryResult> {
    let db_name = match &s.from_db {
        Some(d) => d.clone(),
        None if !session.current_db.is_empty() => session.current_db.clone(),
        None => return Err(SqlError::no_db().in_analyzer()),
    };
    let filter = ShowLoadFilter::analyze(s.where_expr.as_ref())
        .map_err(|e| SqlError::analyzing(e.to_string()))?;
    let order = analyze_order_by(&s.order_by).map_err(|e| SqlError::analyzing(e.to_string()))?;
    let db = ctx
        .catalog
        .get_db(&db_name)
        // MetaUtils.checkDbNullAndReport in ShowExecutor: an analyzer error.
        .ok_or_else(|| SqlError::bad_db(&db_name).in_analyzer())?;
    let tz = match session.vars.get_str("time_zone") {
        tz if tz.is_empty() => DEFAULT_TIME_ZONE.to_string(),
        tz => tz,
    };
    let keep_s = ctx.config.get().label_keep_max_second;
    let mut rows: Vec<Vec<Option<String>>> = ctx
        .load_jobs
        .list(Some(db.id), now_ms(), keep_s)
        .iter()
        .filter(|j| filter.matches(&j.label, j.state.name()))
        .map(|j| show_row(j, &tz))
        .collect();
    sort_rows(&mut rows, &order);
    let mut rs = ResultSet::with_titles(&SHOW_LOAD_TITLES);
    rs.rows = limit_rows(rows, s.limit);
    Ok(QueryResult::Rows(rs))
}
