//! Statement parsing. `parse` strips leading comments, peeks the first keywords and hands the
//! text to one statement family's parser (our own grammar for StarRocks statements, sqlparser
//! for SELECT). Each family lives in its own file and owns its AST.

pub mod admin;
pub mod auth;
pub mod ddl;
pub mod insert;
pub mod lambda_check;
pub mod lexer;
pub mod load;
pub mod partition;
pub mod partition_stmt;
pub mod query;
pub mod routine_load;
pub mod routine_load_health;
pub mod session_stmt;
pub mod view;

use crate::error::{SqlError, SqlResult};

/// A parsed statement, by family.
#[derive(Debug, Clone)]
pub enum Statement {
    /// SET, USE, SHOW VARIABLES/WARNINGS/ENGINES/COLLATION/CHARSET/STATUS/PROCESSLIST, KILL,
    /// BEGIN/COMMIT/ROLLBACK ...
    Session(session_stmt::SessionStmt),
    /// CREATE/DROP DATABASE, CREATE/DROP/TRUNCATE TABLE, SHOW DATABASES/TABLES/COLUMNS,
    /// DESC, SHOW CREATE TABLE/DATABASE, SHOW TABLE STATUS, SHOW INDEX.
    Ddl(ddl::DdlStmt),
    /// ALTER SYSTEM, SHOW BACKENDS/FRONTENDS/PROC, ADMIN SET/SHOW FRONTEND CONFIG, SHOW DATA.
    Admin(admin::AdminStmt),
    /// CREATE/ALTER/PAUSE/RESUME/STOP/SHOW ROUTINE LOAD ...
    RoutineLoad(routine_load::RoutineLoadStmt),
    /// SHOW ROUTINE LOAD TXN / LAG, PREVIEW ROUTINE LOAD (starload's own, issue 16).
    RoutineLoadHealth(routine_load_health::HealthStmt),
    /// SHOW LOAD.
    Load(load::LoadStmt),
    /// SELECT (and other sqlparser-parsed queries).
    Query(query::QueryStmt),
    /// ALTER TABLE ADD/DROP PARTITION(S), SHOW PARTITIONS.
    Partition(partition_stmt::PartitionStmt),
    /// INSERT / DELETE.
    Write(insert::WriteStmt),
    /// Users, roles, privileges: CREATE/ALTER/DROP USER, SET PASSWORD, SHOW USERS/GRANTS,
    /// CREATE/DROP ROLE, GRANT/REVOKE, SET [DEFAULT] ROLE.
    Auth(auth::AuthStmt),
    /// CREATE [OR REPLACE] / ALTER / DROP VIEW, SHOW CREATE VIEW.
    View(view::ViewStmt),
}

/// Parses one statement. Families are tried in order; the first that recognises the leading
/// keywords owns the statement (and its errors).
pub fn parse(sql: &str) -> SqlResult<Statement> {
    let text = lexer::strip_leading_comments(sql)
        .trim()
        .trim_end_matches(';')
        .trim();
    if text.is_empty() {
        return Err(SqlError::syntax(
            " at line 1, column 0",
            "Unexpected input '<EOF>', the most similar input is {<statement>}",
        ));
    }
    if let Some(r) = routine_load_health::try_parse(text) {
        return r.map(Statement::RoutineLoadHealth);
    }
    if let Some(r) = routine_load::try_parse(text) {
        return r.map(Statement::RoutineLoad);
    }
    if let Some(r) = load::try_parse(text) {
        return r.map(Statement::Load);
    }
    if let Some(r) = auth::try_parse(text) {
        return r.map(Statement::Auth);
    }
    if let Some(r) = admin::try_parse(text) {
        return r.map(Statement::Admin);
    }
    if let Some(r) = insert::try_parse(text) {
        return r.map(Statement::Write);
    }
    if let Some(r) = partition_stmt::try_parse(text) {
        return r.map(Statement::Partition);
    }
    if let Some(r) = view::try_parse(text) {
        return r.map(Statement::View);
    }
    if let Some(r) = ddl::try_parse(text) {
        return r.map(Statement::Ddl);
    }
    if let Some(r) = session_stmt::try_parse(text) {
        return r.map(Statement::Session);
    }
    query::parse(text).map(Statement::Query)
}
