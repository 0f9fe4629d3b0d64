//! Which database and table a statement names (the session's database when none is given),
//! with the errors StarRocks 3.4's analyzers raise (`ErrorReport.reportSemanticException`, so
//! in the analyzer's wording): 1046 no database selected, 5501 unknown database, 5502 unknown
//! table.

use crate::catalog::Table;
use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::session::Session;
use crate::sql::ddl::TableRef;
use std::sync::Arc;

/// The database a statement names, else the session's; 1046 when none, 5501 when unknown.
pub fn resolve_db(ctx: &FeContext, session: &Session, db: Option<String>) -> SqlResult<String> {
    let db = match db {
        Some(d) => d,
        None if !session.current_db.is_empty() => session.current_db.clone(),
        None => return Err(SqlError::no_db().in_analyzer()),
    };
    if !ctx.catalog.db_exists(&db) {
        return Err(SqlError::bad_db(&db).in_analyzer());
    }
    Ok(db)
}

/// The table `t` names; unknown: `Unknown table 'db.t'` (5502).
pub fn lookup_table(ctx: &FeContext, session: &Session, t: &TableRef) -> SqlResult<Arc<Table>> {
    let db = resolve_db(ctx, session, t.db.clone())?;
    ctx.catalog
        .get_table(&db, &t.table)
        .ok_or_else(|| SqlError::bad_table(&format!("{db}.{}", t.table)).in_analyzer())
}

/// As [`lookup_table`], for the analyzers that name only the table in the error (DESC's
/// `ShowStmtAnalyzer.descInternalCatalogTable`: `Unknown table 't'`).
pub fn lookup_table_bare(
    ctx: &FeContext,
    session: &Session,
    t: &TableRef,
) -> SqlResult<Arc<Table>> {
    let db = resolve_db(ctx, session, t.db.clone())?;
    ctx.catalog
        .get_table(&db, &t.table)
        .ok_or_else(|| SqlError::bad_table(&t.table).in_analyzer())
}
