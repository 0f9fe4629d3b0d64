//! Executes session statements: SET, USE, SHOW VARIABLES/WARNINGS/ENGINES/COLLATION/CHARSET/
//! STATUS/PROCESSLIST/PLUGINS, BEGIN/COMMIT/ROLLBACK, KILL.
//!
//! Titles, fixed rows and messages mirror StarRocks's ShowExecutor / ShowResultMetaFactory /
//! SetExecutor / VariableMgr (fe/fe-core/src/main/java/com/starrocks/qe/); see frontend.md §2.

use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::result::{ColumnKind, QueryResult, ResultColumn, ResultSet};
use crate::session::Session;
use crate::sql::query::QueryStmt;
use crate::sql::session_stmt::{SessionStmt, SetItem, SetValue, ShowFilter, ShowVariablesKind};
use crate::variables::{VarScope, VarValue};
use datafusion::sql::sqlparser::ast::{
    BinaryOperator, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, UnaryOperator, Value,
};
use starload_proto::error_code;

pub async fn execute(
    ctx: &FeContext,
    session: &mut Session,
    stmt: SessionStmt,
) -> SqlResult<QueryResult> {
    match stmt {
        SessionStmt::Set(items) => {
            for item in items {
                set_item(ctx, session, item).await?;
            }
            Ok(QueryResult::ok())
        }
        SessionStmt::Use { catalog, db } => {
            use_db(ctx, session, catalog.as_deref(), &db)?;
            Ok(QueryResult::ok())
        }
        SessionStmt::ShowVariables { kind, filter } => show_variables(session, kind, &filter),
        SessionStmt::ShowWarnings { .. } => {
            // StarRocks has no visitor for SHOW WARNINGS/ERRORS: always an empty set.
            Ok(QueryResult::Rows(ResultSet::with_titles(&[
                "Level", "Code", "Message",
            ])))
        }
        SessionStmt::ShowEngines => Ok(QueryResult::Rows(show_engines())),
        // StarRocks's CatalogMgr rows; the internal catalog is the only one here.
        SessionStmt::ShowCatalogs(filter) => fixed_rows(
            &[
                ("Catalog", ColumnKind::Varchar),
                ("Type", ColumnKind::Varchar),
                ("Comment", ColumnKind::Varchar),
            ],
            &[&[
                "default_catalog",
                "Internal",
                "An internal catalog contains this cluster's self-managed tables.",
            ]],
            &filter,
        ),
        SessionStmt::ShowCollation(filter) => fixed_rows(
            &[
                ("Collation", ColumnKind::Varchar),
                ("Charset", ColumnKind::Varchar),
                ("Id", ColumnKind::Bigint),
                ("Default", ColumnKind::Varchar),
                ("Compiled", ColumnKind::Varchar),
                ("Sortlen", ColumnKind::Bigint),
            ],
            &[
                &["utf8_general_ci", "utf8", "33", "Yes", "Yes", "1"],
                &["binary", "binary", "63", "Yes", "Yes", "1"],
                &["gbk_chinese_ci", "gbk", "28", "Yes", "Yes", "1"],
            ],
            &filter,
        ),
        SessionStmt::ShowCharset(filter) => fixed_rows(
            &[
                ("Charset", ColumnKind::Varchar),
                ("Description", ColumnKind::Varchar),
                ("Default collation", ColumnKind::Varchar),
                ("Maxlen", ColumnKind::Bigint),
            ],
            &[&["utf8", "UTF-8 Unicode", "utf8_general_ci", "3"]],
            &filter,
        ),
        SessionStmt::ShowStatus(filter) => {
            // StarRocks answers SHOW STATUS with its titles and no rows.
            fixed_rows(
                &[
                    ("Variable_name", ColumnKind::Varchar),
                    ("Value", ColumnKind::Varchar),
                ],
                &[],
                &filter,
            )
        }
        SessionStmt::ShowProcesslist { full } => {
            // Other users' connections only with OPERATE (StarRocks ShowExecutor).
            let all = crate::handler::authorize::has_operate(ctx, session);
            let me = session.user.clone();
            Ok(QueryResult::Rows(show_processlist(ctx, full, |u| {
                all || u == me
            })))
        }
        SessionStmt::ShowPlugins => Ok(QueryResult::Rows(ResultSet::with_titles(&[
            "Name",
            "Type",
            "Description",
            "Version",
            "JavaVersion",
            "ClassName",
            "SoName",
            "Sources",
            "Status",
            "Properties",
        ]))),
        // Loads are the only writes and commit on their own; explicit transactions are
        // accepted for client compatibility (as StarRocks does outside INSERT transactions).
        SessionStmt::Begin | SessionStmt::Commit | SessionStmt::Rollback => Ok(QueryResult::ok()),
        SessionStmt::Kill { query_only, id } => {
            let found = u32::try_from(id)
                .map(|id| ctx.sessions.kill(id, query_only))
                .unwrap_or(false);
            if found {
                Ok(QueryResult::ok())
            } else {
                Err(SqlError::code(
                    error_code::ERR_NO_SUCH_THREAD,
                    &[&id.to_string()],
                ))
            }
        }
    }
}

/// USE [catalog.]db and COM_INIT_DB.
pub fn use_db(
    ctx: &FeContext,
    session: &mut Session,
    catalog: Option<&str>,
    db: &str,
) -> SqlResult<()> {
    if let Some(c) = catalog {
        if !c.eq_ignore_ascii_case("default_catalog") {
            return Err(SqlError::plain(format!("Unknown catalog '{c}'")));
        }
    }
    if !database_exists(ctx, db) {
        return Err(SqlError::bad_db(db));
    }
    if let Some(c) = catalog {
        session.current_catalog = c.to_string();
    }
    session.current_db = db.to_string();
    Ok(())
}

/// COM_INIT_DB and the HandshakeResponse's database, as StarRocks's `changeCatalogDb`: the
/// name is `catalog.db` or `db`, split at the first dot, and an empty database name clears
/// the current database rather than failing (Node's mysql2 sends an empty name at connect;
/// Superset's StarRocks engine spec connects to `default_catalog.` to browse schemas).
pub fn change_catalog_db(ctx: &FeContext, session: &mut Session, ident: &str) -> SqlResult<()> {
    let (catalog, db) = match ident.split_once('.') {
        Some((c, d)) => (Some(c), d),
        None => (None, ident),
    };
    if !db.is_empty() {
        return use_db(ctx, session, catalog, db);
    }
    if let Some(c) = catalog {
        if !c.eq_ignore_ascii_case("default_catalog") {
            return Err(SqlError::plain(format!("Unknown catalog '{c}'")));
        }
        session.current_catalog = c.to_string();
    }
    session.current_db.clear();
    Ok(())
}

/// Whether `db` exists: the system database or a catalog database.
///
/// The catalog module has no name lookup yet, so this reads its persisted databases
/// (meta prefix 0x10, JSON with a `name` field). Replace with the catalog's lookup once it
/// exists.
fn database_exists(ctx: &FeContext, db: &str) -> bool {
    if db.eq_ignore_ascii_case("information_schema") {
        return true;
    }
    match ctx.meta.scan_prefix::<serde_json::Value>(&[0x10]) {
        Ok(rows) => rows.iter().any(|(_, v)| {
            ["name", "db_name", "full_name"]
                .iter()
                .any(|f| v.get(*f).and_then(|n| n.as_str()) == Some(db))
        }),
        Err(e) => {
            tracing::warn!(error = %e, "Database lookup failed.");
            false
        }
    }
}

async fn set_item(ctx: &FeContext, session: &mut Session, item: SetItem) -> SqlResult<()> {
    match item {
        SetItem::Var { scope, name, value } => {
            let text = match value {
                None => None,
                // StarRocks passes NullLiteral.getStringValue(), i.e. "NULL".
                Some(v) => Some(
                    eval_set_value(ctx, session, &v)
                        .await?
                        .unwrap_or_else(|| "NULL".to_string()),
                ),
            };
            session.vars.set(scope, &name, text.as_deref())
        }
        SetItem::UserVar { name, value } => {
            let v = eval_set_value(ctx, session, &value).await?;
            session
                .user_vars
                .insert(name.to_ascii_lowercase(), v.map(VarValue::Str));
            Ok(())
        }
        SetItem::Names { charset, .. } => check_charset(charset.as_deref()),
        SetItem::CharacterSet(charset) => check_charset(charset.as_deref()),
        SetItem::Transaction {
            scope,
            isolation,
            read_only,
        } => {
            // Without GLOBAL/SESSION it only concerns the next transaction: nothing to keep.
            let Some(scope) = scope else {
                return Ok(());
            };
            if let Some(level) = isolation {
                session
                    .vars
                    .set(scope, "transaction_isolation", Some(&level))?;
                session.vars.set(scope, "tx_isolation", Some(&level))?;
            }
            if let Some(ro) = read_only {
                session.vars.set(
                    scope,
                    "transaction_read_only",
                    Some(if ro { "1" } else { "0" }),
                )?;
            }
            Ok(())
        }
    }
}

/// SET NAMES / CHARACTER SET (SetNamesVar): every `utf8*` name is accepted (as utf8), `gbk`
/// is not supported yet, anything else is unknown (1115).
fn check_charset(charset: Option<&str>) -> SqlResult<()> {
    let Some(cs) = charset else {
        return Ok(());
    };
    let cs = cs.to_ascii_lowercase();
    if cs.starts_with("utf8") || cs == "default" {
        return Ok(());
    }
    if cs == "gbk" {
        return Err(SqlError::analyzing(format!(
            "charset name {cs} is not supported yet"
        )));
    }
    let mut e = SqlError::code(error_code::ERR_UNKNOWN_CHARACTER_SET, &[&cs]);
    e.message = format!("Getting analyzing error. Detail message: {}.", e.message);
    Err(e)
}

/// Evaluates a SET right-hand side to its text (None = NULL). Literals, names, `@@var`,
/// `@uservar`, CONCAT, unary minus and integer arithmetic are folded here; anything else is
/// evaluated as `SELECT <expr>` by the query engine.
async fn eval_set_value(
    ctx: &FeContext,
    session: &mut Session,
    v: &SetValue,
) -> SqlResult<Option<String>> {
    match v {
        SetValue::Word(w) => Ok(Some(w.clone())),
        SetValue::Expr(e) => match fold_const(session, e)? {
            Some(v) => Ok(v),
            None => select_scalar(ctx, session, &e.to_string()).await,
        },
    }
}

/// Folds a constant expression. Outer None: not foldable here; inner None: SQL NULL.
fn fold_const(session: &Session, e: &Expr) -> SqlResult<Option<Option<String>>> {
    Ok(match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => Some(Some(n.to_string())),
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => Some(Some(s.clone())),
            Value::Boolean(b) => Some(Some(if *b { "TRUE" } else { "FALSE" }.to_string())),
            Value::Null => Some(None),
            _ => None,
        },
        Expr::Identifier(id) => Some(read_name(session, None, &id.value)?),
        Expr::CompoundIdentifier(parts) if parts.len() == 2 => {
            let scope = match parts[0].value.to_ascii_lowercase().as_str() {
                "@@global" => Some(VarScope::Global),
                "@@session" | "@@local" => Some(VarScope::Session),
                _ => return Ok(None),
            };
            Some(read_name(session, scope, &format!("@@{}", parts[1].value))?)
        }
        Expr::Nested(inner) => fold_const(session, inner)?,
        Expr::UnaryOp { op, expr } => match (op, fold_const(session, expr)?) {
            (UnaryOperator::Minus, Some(Some(t))) if t.parse::<f64>().is_ok() => {
                Some(Some(match t.strip_prefix('-') {
                    Some(pos) => pos.to_string(),
                    None => format!("-{t}"),
                }))
            }
            (UnaryOperator::Plus, Some(t)) => Some(t),
            _ => None,
        },
        Expr::BinaryOp { left, op, right } => {
            let (Some(Some(l)), Some(Some(r))) =
                (fold_const(session, left)?, fold_const(session, right)?)
            else {
                return Ok(None);
            };
            let (Ok(l), Ok(r)) = (l.parse::<i64>(), r.parse::<i64>()) else {
                return Ok(None);
            };
            let v = match op {
                BinaryOperator::Plus => l.checked_add(r),
                BinaryOperator::Minus => l.checked_sub(r),
                BinaryOperator::Multiply => l.checked_mul(r),
                _ => None,
            };
            v.map(|v| Some(v.to_string()))
        }
        Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case("concat") => {
            let FunctionArguments::List(list) = &f.args else {
                return Ok(None);
            };
            let mut out = String::new();
            for a in &list.args {
                let FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) = a else {
                    return Ok(None);
                };
                match fold_const(session, e)? {
                    None => return Ok(None),
                    Some(None) => return Ok(Some(None)),
                    Some(Some(s)) => out.push_str(&s),
                }
            }
            Some(Some(out))
        }
        _ => None,
    })
}

/// A name in a SET value: `@@[scope.]var` reads a system variable, `@x` a user variable, and
/// anything else is its own text (StarRocks treats a bare name as a string).
fn read_name(session: &Session, scope: Option<VarScope>, name: &str) -> SqlResult<Option<String>> {
    if let Some(rest) = name.strip_prefix("@@") {
        let (scope, var) = match (scope, rest.split_once('.')) {
            (Some(s), _) => (s, rest),
            (None, Some((p, v))) if p.eq_ignore_ascii_case("global") => (VarScope::Global, v),
            (None, Some((p, v)))
                if p.eq_ignore_ascii_case("session") || p.eq_ignore_ascii_case("local") =>
            {
                (VarScope::Session, v)
            }
            _ => (VarScope::Session, rest),
        };
        let v = session.vars.get_for_select(scope, var)?;
        return Ok(Some(v.show_text()));
    }
    if let Some(user) = name.strip_prefix('@') {
        return Ok(session
            .user_vars
            .get(&user.to_ascii_lowercase())
            .cloned()
            .flatten()
            .map(|v| v.show_text()));
    }
    Ok(Some(name.to_string()))
}

/// Evaluates `SELECT <expr>` through the query engine and returns the single value.
async fn select_scalar(
    ctx: &FeContext,
    session: &mut Session,
    expr: &str,
) -> SqlResult<Option<String>> {
    let stmt = QueryStmt {
        sql: format!("SELECT {expr}"),
        explain: false,
    };
    match Box::pin(crate::handler::query::execute(ctx, session, stmt)).await? {
        QueryResult::Rows(rs) => Ok(rs.rows.first().and_then(|r| r.first().cloned()).flatten()),
        QueryResult::Ok { .. } => Err(SqlError::analyzing(
            "Set statement only support constant expr",
        )),
    }
}

fn show_variables(
    session: &Session,
    kind: ShowVariablesKind,
    filter: &ShowFilter,
) -> SqlResult<QueryResult> {
    let scope = match kind {
        ShowVariablesKind::Global => VarScope::Global,
        _ => VarScope::Session,
    };
    let like = match filter {
        ShowFilter::Like(p) => Some(p.as_str()),
        _ => None,
    };
    let rows = session
        .vars
        .dump(scope, |name| like.is_none_or(|p| like_match(p, name, true)));
    let verbose = kind == ShowVariablesKind::Verbose;
    let mut rs = if verbose {
        ResultSet::with_titles(&["Variable_name", "Value", "Default_value", "Is_changed"])
    } else {
        ResultSet::with_titles(&["Variable_name", "Value"])
    };
    for r in rows {
        let mut row = vec![Some(r.name), Some(r.value)];
        if verbose {
            row.push(Some(r.default_value));
            row.push(Some(if r.is_changed { "1" } else { "0" }.to_string()));
        }
        rs.rows.push(row);
    }
    if let ShowFilter::Where(e) = filter {
        rs = filter_where(rs, e)?;
    }
    Ok(QueryResult::Rows(rs))
}

fn show_engines() -> ResultSet {
    let mut rs = ResultSet::with_titles(&[
        "Engine",
        "Support",
        "Comment",
        "Transactions",
        "XA",
        "Savepoints",
    ]);
    for (engine, comment) in [
        ("OLAP", "Default storage engine of StarRocks"),
        ("MySQL", "MySQL server which data is in it"),
        ("ELASTICSEARCH", "ELASTICSEARCH cluster which data is in it"),
        ("HIVE", "HIVE database which data is in it"),
        ("ICEBERG", "ICEBERG data lake which data is in it"),
    ] {
        rs.rows.push(
            [engine, "YES", comment, "NO", "NO", "NO"]
                .iter()
                .map(|s| Some(s.to_string()))
                .collect(),
        );
    }
    rs
}

/// A fixed result filtered by LIKE on its first column or by WHERE.
fn fixed_rows(
    columns: &[(&str, ColumnKind)],
    rows: &[&[&str]],
    filter: &ShowFilter,
) -> SqlResult<QueryResult> {
    let mut rs = ResultSet {
        columns: columns
            .iter()
            .map(|(n, k)| ResultColumn::new(*n, *k))
            .collect(),
        rows: rows
            .iter()
            .map(|r| r.iter().map(|s| Some(s.to_string())).collect())
            .collect(),
    };
    match filter {
        ShowFilter::None => {}
        ShowFilter::Like(p) => rs.rows.retain(|r| {
            r.first()
                .cloned()
                .flatten()
                .is_some_and(|v| like_match(p, &v, true))
        }),
        ShowFilter::Where(e) => rs = filter_where(rs, e)?,
    }
    Ok(QueryResult::Rows(rs))
}

fn show_processlist(ctx: &FeContext, full: bool, visible: impl Fn(&str) -> bool) -> ResultSet {
    let mut rs = ResultSet::with_titles(&[
        "ServerName",
        "Id",
        "User",
        "Host",
        "Db",
        "Command",
        "ConnectionStartTime",
        "Time",
        "State",
        "Info",
        "IsPending",
        "Warehouse",
        "CNGroup",
        "Catalog",
        "QueryId",
    ]);
    let cfg = ctx.config.get();
    let server = format!("{}_{}", cfg.priority_networks, cfg.query_port);
    for c in ctx.sessions.list().into_iter().filter(|c| visible(&c.user)) {
        // StarRocks truncates Info to 100 characters unless FULL.
        let info: String = if full {
            c.info.clone()
        } else {
            c.info.chars().take(100).collect()
        };
        rs.rows.push(vec![
            Some(server.clone()),
            Some(c.id.to_string()),
            Some(c.user),
            Some(c.host),
            Some(c.db),
            Some(c.command.to_string()),
            Some(c.connection_start_time),
            Some(c.since.elapsed().as_secs().to_string()),
            Some(if c.command == "Query" { "OK" } else { "" }.to_string()),
            Some(info),
            Some("false".to_string()),
            Some("default_warehouse".to_string()),
            Some(String::new()),
            Some("default_catalog".to_string()),
            Some(String::new()),
        ]);
    }
    rs
}

/// MySQL LIKE: `%` any run, `_` one character, `\` escapes. StarRocks matches variable,
/// collation and charset names case-insensitively (CaseSensibility).
pub fn like_match(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let norm = |s: &str| -> Vec<char> {
        if case_insensitive {
            s.to_lowercase().chars().collect()
        } else {
            s.chars().collect()
        }
    };
    let (p, t) = (norm(pattern), norm(text));
    // Iterative matcher with backtracking to the last `%`.
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let step = if pi < p.len() {
            match p[pi] {
                '%' => {
                    star = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                '\\' if pi + 1 < p.len() => (p[pi + 1] == t[ti]).then_some(2),
                '_' => Some(1),
                c => (c == t[ti]).then_some(1),
            }
        } else {
            None
        };
        match (step, star) {
            (Some(n), _) => {
                pi += n;
                ti += 1;
            }
            (None, Some((sp, st))) => {
                pi = sp + 1;
                ti = st + 1;
                star = Some((sp, st + 1));
            }
            (None, None) => return false,
        }
    }
    p[pi..].iter().all(|c| *c == '%')
}

/// A value while evaluating a SHOW ... WHERE filter.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Str(String),
    Num(f64),
    Bool(bool),
}

impl Cell {
    fn text(&self) -> Option<String> {
        match self {
            Cell::Null => None,
            Cell::Str(s) => Some(s.clone()),
            Cell::Num(n) => Some(n.to_string()),
            Cell::Bool(b) => Some(if *b { "1" } else { "0" }.to_string()),
        }
    }
    fn truthy(&self) -> Option<bool> {
        match self {
            Cell::Null => None,
            Cell::Bool(b) => Some(*b),
            Cell::Num(n) => Some(*n != 0.0),
            Cell::Str(s) => Some(s.trim().parse::<f64>().map(|n| n != 0.0).unwrap_or(false)),
        }
    }
}

/// Keeps the rows for which `e` is true; columns are referenced by title (case-insensitive).
fn filter_where(mut rs: ResultSet, e: &Expr) -> SqlResult<ResultSet> {
    let titles: Vec<String> = rs.columns.iter().map(|c| c.name.clone()).collect();
    let mut kept = Vec::with_capacity(rs.rows.len());
    for row in rs.rows {
        if eval_cell(e, &titles, &row)?.truthy() == Some(true) {
            kept.push(row);
        }
    }
    rs.rows = kept;
    Ok(rs)
}

fn eval_cell(e: &Expr, titles: &[String], row: &[Option<String>]) -> SqlResult<Cell> {
    let col = |name: &str| -> SqlResult<Cell> {
        let idx = titles
            .iter()
            .position(|t| t.eq_ignore_ascii_case(name))
            .ok_or_else(|| SqlError::analyzing(format!("Column '{name}' cannot be resolved")))?;
        Ok(row[idx].clone().map(Cell::Str).unwrap_or(Cell::Null))
    };
    let cmp = |l: &Cell, r: &Cell| -> Option<std::cmp::Ordering> {
        match (l, r) {
            (Cell::Null, _) | (_, Cell::Null) => None,
            (Cell::Num(a), Cell::Num(b)) => a.partial_cmp(b),
            (a, b) => {
                let (a, b) = (a.text().unwrap_or_default(), b.text().unwrap_or_default());
                match (a.parse::<f64>(), b.parse::<f64>()) {
                    (Ok(x), Ok(y)) if matches!(l, Cell::Num(_)) || matches!(r, Cell::Num(_)) => {
                        x.partial_cmp(&y)
                    }
                    _ => Some(a.cmp(&b)),
                }
            }
        }
    };
    Ok(match e {
        Expr::Identifier(id) => col(&id.value)?,
        Expr::CompoundIdentifier(parts) => match parts.last() {
            Some(id) => col(&id.value)?,
            None => Cell::Null,
        },
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => Cell::Num(n.to_string().parse().unwrap_or(0.0)),
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => Cell::Str(s.clone()),
            Value::Boolean(b) => Cell::Bool(*b),
            Value::Null => Cell::Null,
            other => Cell::Str(other.to_string()),
        },
        Expr::Nested(inner) => eval_cell(inner, titles, row)?,
        Expr::UnaryOp {
            op: UnaryOperator::Not,
            expr,
        } => match eval_cell(expr, titles, row)?.truthy() {
            Some(b) => Cell::Bool(!b),
            None => Cell::Null,
        },
        Expr::IsNull(inner) => Cell::Bool(eval_cell(inner, titles, row)? == Cell::Null),
        Expr::IsNotNull(inner) => Cell::Bool(eval_cell(inner, titles, row)? != Cell::Null),
        Expr::BinaryOp { left, op, right } => {
            let l = eval_cell(left, titles, row)?;
            let r = eval_cell(right, titles, row)?;
            use std::cmp::Ordering::*;
            match op {
                BinaryOperator::And => match (l.truthy(), r.truthy()) {
                    (Some(false), _) | (_, Some(false)) => Cell::Bool(false),
                    (Some(true), Some(true)) => Cell::Bool(true),
                    _ => Cell::Null,
                },
                BinaryOperator::Or => match (l.truthy(), r.truthy()) {
                    (Some(true), _) | (_, Some(true)) => Cell::Bool(true),
                    (Some(false), Some(false)) => Cell::Bool(false),
                    _ => Cell::Null,
                },
                BinaryOperator::Eq
                | BinaryOperator::NotEq
                | BinaryOperator::Lt
                | BinaryOperator::LtEq
                | BinaryOperator::Gt
                | BinaryOperator::GtEq => match cmp(&l, &r) {
                    None => Cell::Null,
                    Some(o) => Cell::Bool(match op {
                        BinaryOperator::Eq => o == Equal,
                        BinaryOperator::NotEq => o != Equal,
                        BinaryOperator::Lt => o == Less,
                        BinaryOperator::LtEq => o != Greater,
                        BinaryOperator::Gt => o == Greater,
                        _ => o != Less,
                    }),
                },
                other => {
                    return Err(SqlError::analyzing(format!(
                        "Operator {other} is not supported in SHOW ... WHERE"
                    )))
                }
            }
        }
        Expr::Like {
            negated,
            expr,
            pattern,
            ..
        }
        | Expr::ILike {
            negated,
            expr,
            pattern,
            ..
        } => {
            let v = eval_cell(expr, titles, row)?.text();
            let p = eval_cell(pattern, titles, row)?.text();
            match (v, p) {
                (Some(v), Some(p)) => Cell::Bool(like_match(&p, &v, true) != *negated),
                _ => Cell::Null,
            }
        }
        Expr::InList {
            expr,
            list,
            negated,
        } => {
            let v = eval_cell(expr, titles, row)?;
            if v == Cell::Null {
                Cell::Null
            } else {
                let mut found = false;
                for item in list {
                    let c = eval_cell(item, titles, row)?;
                    if cmp(&v, &c) == Some(std::cmp::Ordering::Equal) {
                        found = true;
                        break;
                    }
                }
                Cell::Bool(found != *negated)
            }
        }
        other => {
            return Err(SqlError::analyzing(format!(
                "Expression {other} is not supported in SHOW ... WHERE"
            )))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::session_stmt::try_parse;
    use crate::variables::SessionVariables;

    fn session() -> Session {
        Session::new(1, "root", "127.0.0.1:1", SessionVariables::default())
    }

    fn show(session: &Session, sql: &str) -> ResultSet {
        let Some(Ok(SessionStmt::ShowVariables { kind, filter })) = try_parse(sql) else {
            panic!("{sql}")
        };
        match show_variables(session, kind, &filter).unwrap() {
            QueryResult::Rows(rs) => rs,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn like_matching() {
        assert!(like_match("sql_mode", "SQL_MODE", true));
        assert!(like_match("%timeout", "wait_timeout", true));
        assert!(like_match("char%set%", "character_set_client", true));
        assert!(like_match("a_c", "abc", true));
        assert!(!like_match("a_c", "abbc", true));
        assert!(like_match("a\\_c", "a_c", true));
        assert!(!like_match("a\\_c", "abc", true));
        assert!(like_match("%", "", true));
        assert!(!like_match("x", "", true));
    }

    #[test]
    fn show_variables_like_and_where() {
        let s = session();
        let rs = show(&s, "SHOW VARIABLES LIKE 'lower_case_table_names'");
        assert_eq!(rs.columns[0].name, "Variable_name");
        assert_eq!(
            rs.rows,
            vec![vec![
                Some("lower_case_table_names".to_string()),
                Some("0".to_string())
            ]]
        );
        let rs = show(&s, "SHOW VARIABLES LIKE 'SQL_MODE'");
        assert_eq!(rs.rows[0][1].as_deref(), Some("ONLY_FULL_GROUP_BY"));
        let rs = show(
            &s,
            "SHOW VARIABLES WHERE Variable_name IN ('autocommit', 'wait_timeout') OR Variable_name = 'version'",
        );
        let names: Vec<_> = rs.rows.iter().map(|r| r[0].clone().unwrap()).collect();
        assert_eq!(names, vec!["autocommit", "version", "wait_timeout"]);
        let rs = show(&s, "SHOW VERBOSE VARIABLES LIKE 'autocommit'");
        assert_eq!(rs.columns.len(), 4);
        assert_eq!(rs.rows[0][3].as_deref(), Some("0"));
    }

    #[test]
    fn fold_set_values() {
        let mut s = session();
        s.vars
            .set(VarScope::Session, "sql_mode", Some("ONLY_FULL_GROUP_BY"))
            .unwrap();
        let Some(Ok(SessionStmt::Set(items))) =
            try_parse("set sql_mode=CONCAT(@@sql_mode,',STRICT_TRANS_TABLES'), @a = -5 * 2")
        else {
            panic!()
        };
        let SetItem::Var {
            value: Some(SetValue::Expr(e)),
            ..
        } = &items[0]
        else {
            panic!()
        };
        assert_eq!(
            fold_const(&s, e).unwrap(),
            Some(Some("ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES".to_string()))
        );
        let SetItem::UserVar {
            value: SetValue::Expr(e),
            ..
        } = &items[1]
        else {
            panic!()
        };
        assert_eq!(fold_const(&s, e).unwrap(), Some(Some("-10".to_string())));
    }

    #[test]
    fn charsets() {
        assert!(check_charset(Some("utf8mb4")).is_ok());
        assert!(check_charset(Some("UTF8")).is_ok());
        assert_eq!(
            check_charset(Some("gbk")).unwrap_err().message,
            "Getting analyzing error. Detail message: charset name gbk is not supported yet."
        );
        let e = check_charset(Some("latin1")).unwrap_err();
        assert_eq!((e.errno, e.sqlstate.as_str()), (1115, "42000"));
    }

    #[test]
    fn fixed_show_rows() {
        let QueryResult::Rows(rs) = fixed_rows(
            &[("Charset", ColumnKind::Varchar)],
            &[&["utf8"], &["gbk"]],
            &ShowFilter::Like("UTF%".into()),
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(rs.rows.len(), 1);
        assert_eq!(show_engines().rows.len(), 5);
    }
}
