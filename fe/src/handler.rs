//! Executes parsed statements. `server/` calls [`execute`]; each statement family has its own
//! file under `handler/`, owned by the module it drives. Behaviour sits behind this function so
//! it can be tested without a socket.

pub mod admin;
pub mod auth;
pub mod authorize;
pub mod ddl;
pub mod query;
pub mod routine_load;
pub mod session_stmt;

use crate::context::FeContext;
use crate::error::SqlResult;
use crate::session::Session;
use crate::sql::Statement;

/// MySQL column type of a result column (what the client is told in the column definition).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Varchar,
    Tinyint,
    Smallint,
    Int,
    Bigint,
    Float,
    Double,
    Decimal,
    Date,
    Datetime,
    /// BOOLEAN is sent as TINYINT(1) values 1/0.
    Boolean,
}

/// One result column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultColumn {
    pub name: String,
    pub kind: ColumnKind,
}

impl ResultColumn {
    pub fn varchar(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            kind: ColumnKind::Varchar,
        }
    }
    pub fn new(name: impl Into<String>, kind: ColumnKind) -> Self {
        Self {
            name: name.into(),
            kind,
        }
    }
}

/// A result set in text-protocol form: every value is its text, `None` is SQL NULL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultSet {
    pub columns: Vec<ResultColumn>,
    pub rows: Vec<Vec<Option<String>>>,
}

impl ResultSet {
    /// An all-VARCHAR result with the given titles.
    pub fn with_titles(titles: &[&str]) -> Self {
        Self {
            columns: titles.iter().map(|t| ResultColumn::varchar(*t)).collect(),
            rows: Vec::new(),
        }
    }
}

/// What a statement returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryResult {
    /// OK packet.
    Ok { affected_rows: u64, info: String },
    /// A result set.
    Rows(ResultSet),
}

impl QueryResult {
    pub fn ok() -> Self {
        QueryResult::Ok {
            affected_rows: 0,
            info: String::new(),
        }
    }
}

/// Executes one statement for `session`.
pub async fn execute(
    ctx: &FeContext,
    session: &mut Session,
    stmt: Statement,
) -> SqlResult<QueryResult> {
    authorize::check(ctx, session, &stmt)?;
    match stmt {
        Statement::Auth(s) => auth::execute(ctx, session, s).await,
        Statement::Session(s) => session_stmt::execute(ctx, session, s).await,
        Statement::Ddl(s) => ddl::execute(ctx, session, s).await,
        Statement::Admin(s) => admin::execute(ctx, session, s).await,
        Statement::RoutineLoad(s) => routine_load::execute(ctx, session, s).await,
        Statement::Query(s) => query::execute(ctx, session, s).await,
    }
}
