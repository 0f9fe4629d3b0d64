//! SELECT through DataFusion 55. One `QueryEngine` per FE holds what queries share (a base
//! DataFusion session with every built-in function, the BE gRPC clients); each query gets its
//! own DataFusion session with:
//! - a `default_catalog` holding exactly the tables the statement names: OLAP tables as
//!   [`olap_scan::OlapTable`] (BE scans at each partition's visible version, from one catalog
//!   snapshot) and `information_schema` tables built from the catalog;
//! - `@@variables` through [`functions::SystemVarProvider`] and the session's information
//!   functions (`DATABASE()`, `USER()`, `VERSION()` ...);
//! - StarRocks column titles ([`titles`]) and results printed as StarRocks prints them
//!   ([`format`]).
//!
//! Names: databases and tables are matched exactly (`lower_case_table_names = 0`), column names
//! case-insensitively (a written name that matches a column only ignoring case is rewritten
//! to the column's own spelling before planning; the title keeps the written text).
//! Unknown database -> 5501/3F000, unknown table -> 5502/42602, both in StarRocks's analyzer
//! wording (`Getting analyzing error. Detail message: Unknown table 'db.t'.`).

pub mod format;
pub mod functions;
pub mod mysql_concat;
pub mod olap_scan;
pub mod partition_pick;
pub mod partition_prune;
pub mod predicate;
pub mod source;
pub mod system_tables;
pub mod titles;

use crate::error::{SqlError, SqlResult};
use crate::result::ResultSet;
use datafusion::catalog::{
    CatalogProvider, MemoryCatalogProvider, MemoryCatalogProviderList, MemorySchemaProvider,
    SchemaProvider, TableProvider,
};
use datafusion::common::{DataFusionError, SchemaError, TableReference};
use datafusion::execution::context::SessionContext;
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::prelude::SessionConfig;
use datafusion::sql::parser::Statement as DfStatement;
use datafusion::sql::sqlparser::ast::{
    Expr, Ident, Query, SelectItem, SetExpr, Statement, VisitMut, VisitorMut,
};
use datafusion::sql::sqlparser::dialect::MySqlDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::variable::VarType;
use olap_scan::{BackendClients, OlapTable};
use source::{CatalogSource, SessionInfo, SystemVariables};
use std::collections::{BTreeSet, HashMap};
use std::ops::ControlFlow;
use std::sync::Arc;

/// The catalog name StarRocks gives its internal catalog (`default_catalog.db.table`).
pub const DEFAULT_CATALOG: &str = "default_catalog";

/// How many views deep a query may read (a view replaced to read itself stops here).
const MAX_VIEW_DEPTH: usize = 32;

/// What a query needs from the FE and the session.
#[derive(Clone)]
pub struct QueryEnv {
    pub catalog: Arc<dyn CatalogSource>,
    pub variables: Arc<dyn SystemVariables>,
    pub session: SessionInfo,
    /// Sent with every ScanTablets request.
    pub cluster_token: String,
}

/// The query engine shared by all connections.
pub struct QueryEngine {
    base: SessionState,
    clients: Arc<BackendClients>,
}

impl Default for QueryEngine {
    fn default() -> Self {
        Self::new()
    }
}

impl QueryEngine {
    pub fn new() -> Self {
        let base = SessionStateBuilder::new()
            .with_config(session_config(""))
            .with_default_features()
            .build();
        Self {
            base,
            clients: Arc::new(BackendClients::default()),
        }
    }

    /// `EXPLAIN <query>`: the physical plan, one line per row under StarRocks's title
    /// `Explain String` (scans show `partitions=k/n` as StarRocks's OlapScanNode does).
    pub async fn explain(&self, sql: &str, env: QueryEnv) -> SqlResult<ResultSet> {
        let (ctx, plan, vars) = self.plan(sql, &env).await?;
        let physical = ctx
            .state()
            .create_physical_plan(&plan)
            .await
            .map_err(|e| vars.take_error().unwrap_or_else(|| plan_error(e)))?;
        let text = datafusion::physical_plan::displayable(physical.as_ref())
            .indent(false)
            .to_string();
        Ok(ResultSet {
            rows: text.lines().map(|l| vec![Some(l.to_string())]).collect(),
            ..ResultSet::with_titles(&["Explain String"])
        })
    }

    /// Parses, resolves and plans one query.
    async fn plan(
        &self,
        sql: &str,
        env: &QueryEnv,
    ) -> SqlResult<(
        SessionContext,
        datafusion::logical_expr::LogicalPlan,
        Arc<functions::SystemVarProvider>,
    )> {
        self.plan_at(sql, env, 0).await
    }

    /// [`Self::plan`] of a query `depth` views deep (0: the statement itself).
    async fn plan_at(
        &self,
        sql: &str,
        env: &QueryEnv,
        depth: usize,
    ) -> SqlResult<(
        SessionContext,
        datafusion::logical_expr::LogicalPlan,
        Arc<functions::SystemVarProvider>,
    )> {
        let mut query = parse_query(sql)?;
        let picks = partition_pick::take_partition_picks(&mut query);
        let tables = self.resolve_tables(&query, env, &picks, depth).await?;
        titles::alias_select_items(&mut query);
        fix_column_case(&mut query, &tables.column_names);
        rewrite_mysql_functions(&mut query);
        let ctx = self.session_context(env, tables.catalog);
        let vars = Arc::new(functions::SystemVarProvider::new(env.variables.clone()));
        ctx.register_variable(VarType::System, vars.clone());
        for f in functions::information_functions(&env.session) {
            ctx.register_udf(f);
        }
        ctx.register_udf(mysql_concat::concat());
        let stmt = DfStatement::Statement(Box::new(Statement::Query(Box::new(query))));
        match ctx.state().statement_to_plan(stmt).await {
            Ok(p) => Ok((ctx, p, vars)),
            Err(e) => Err(vars.take_error().unwrap_or_else(|| plan_error(e))),
        }
    }

    /// The output schema of a query, planned but not run (CREATE VIEW checks its query and
    /// takes the view's columns from it).
    pub async fn output_schema(
        &self,
        sql: &str,
        env: QueryEnv,
    ) -> SqlResult<datafusion::arrow::datatypes::SchemaRef> {
        let (_, plan, _) = self.plan(sql, &env).await?;
        Ok(Arc::new(plan.schema().as_arrow().clone()))
    }

    /// A view as a table: its query planned with the view's database as the current one,
    /// columns renamed by its column list. The statement's SELECT privilege was checked on
    /// the view; the tables inside are read with the view's rights (StarRocks checks only the
    /// view).
    fn view_table<'a>(
        &'a self,
        view: &'a source::ViewSnapshot,
        env: &'a QueryEnv,
        depth: usize,
    ) -> futures::future::BoxFuture<'a, SqlResult<Arc<dyn TableProvider>>> {
        Box::pin(async move {
            // A view replaced to read itself would recurse forever.
            if depth >= MAX_VIEW_DEPTH {
                return Err(SqlError::analyzing(format!(
                    "View '{}' is nested too deeply (or reads itself)",
                    view.name
                )));
            }
            let mut env = env.clone();
            env.session.current_db = view.resolve_db.clone();
            let (_, mut plan, _) = self.plan_at(&view.query, &env, depth + 1).await?;
            if !view.column_aliases.is_empty() {
                use datafusion::logical_expr::{col, LogicalPlanBuilder};
                let exprs: Vec<_> = plan
                    .schema()
                    .columns()
                    .into_iter()
                    .zip(&view.column_aliases)
                    .map(|(c, alias)| col(c).alias(alias))
                    .collect();
                plan = LogicalPlanBuilder::from(plan)
                    .project(exprs)
                    .and_then(|b| b.build())
                    .map_err(plan_error)?;
            }
            let t = datafusion::datasource::ViewTable::new(plan, Some(view.query.clone()));
            Ok(Arc::new(t) as Arc<dyn TableProvider>)
        })
    }

    /// Runs one SELECT (or WITH / parenthesised query) and returns its rows as text.
    pub async fn execute(&self, sql: &str, env: QueryEnv) -> SqlResult<ResultSet> {
        let (schema, batches) = self.collect(sql, env).await?;
        let titles: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        format::to_result_set(&schema, &batches, &titles)
    }

    /// Runs one query and returns its Arrow batches (INSERT ... SELECT / VALUES, DELETE's
    /// keys).
    pub async fn collect(
        &self,
        sql: &str,
        env: QueryEnv,
    ) -> SqlResult<(
        datafusion::arrow::datatypes::SchemaRef,
        Vec<datafusion::arrow::array::RecordBatch>,
    )> {
        let (ctx, plan, vars) = self.plan(sql, &env).await?;
        let df = ctx
            .execute_logical_plan(plan)
            .await
            .map_err(|e| vars.take_error().unwrap_or_else(|| plan_error(e)))?;
        let schema = Arc::new(df.schema().as_arrow().clone());
        let batches = df.collect().await.map_err(execution_error)?;
        Ok((schema, batches))
    }

    fn session_context(
        &self,
        env: &QueryEnv,
        catalog: Arc<MemoryCatalogProvider>,
    ) -> SessionContext {
        let list = Arc::new(MemoryCatalogProviderList::new());
        datafusion::catalog::CatalogProviderList::register_catalog(
            list.as_ref(),
            DEFAULT_CATALOG.to_string(),
            catalog,
        );
        let state = SessionStateBuilder::new_from_existing(self.base.clone())
            .with_config(session_config(&env.session.current_db))
            .with_catalog_list(list)
            .build();
        SessionContext::new_with_state(state)
    }

    /// Builds the per-query catalog holding every table the statement names, with StarRocks's
    /// errors for unknown databases and tables.
    async fn resolve_tables(
        &self,
        query: &Query,
        env: &QueryEnv,
        picks: &[partition_pick::PartitionPick],
        depth: usize,
    ) -> SqlResult<ResolvedTables> {
        let stmt = DfStatement::Statement(Box::new(Statement::Query(Box::new(query.clone()))));
        let (refs, _ctes) =
            datafusion::sql::resolve::resolve_table_references(&stmt, false).map_err(plan_error)?;
        let catalog = Arc::new(MemoryCatalogProvider::new());
        let mut column_names = BTreeSet::new();
        let mut schemas: HashMap<String, Arc<MemorySchemaProvider>> = HashMap::new();
        for r in refs {
            let (cat, db, table) = match &r {
                TableReference::Bare { table } => {
                    (None, env.session.current_db.clone(), table.to_string())
                }
                TableReference::Partial { schema, table } => {
                    (None, schema.to_string(), table.to_string())
                }
                TableReference::Full {
                    catalog,
                    schema,
                    table,
                } => (
                    Some(catalog.to_string()),
                    schema.to_string(),
                    table.to_string(),
                ),
            };
            if let Some(c) = &cat {
                if c != DEFAULT_CATALOG {
                    return Err(SqlError::analyzing(format!("Unknown catalog '{c}'")));
                }
            }
            if db.is_empty() {
                let mut e = SqlError::no_db();
                e.message = format!("Getting analyzing error. Detail message: {}.", e.message);
                return Err(e);
            }
            let provider: Arc<dyn TableProvider> = if system_tables::is_information_schema(&db) {
                match system_tables::table(env.catalog.as_ref(), env.variables.as_ref(), &table)
                    .await
                {
                    Some(t) => {
                        column_names.extend(system_tables::column_names(&table));
                        t.map_err(SqlError::internal)?
                    }
                    None => return Err(unknown_table(&db, &table)),
                }
            } else {
                if !env.catalog.database_exists(&db) {
                    return Err(SqlError::bad_db(&db).in_analyzer());
                }
                // `FROM t PARTITION (..)` was renamed: the snapshot of `t`, restricted.
                let pick = picks.iter().find(|p| p.name == table);
                let real = pick.map_or(table.as_str(), |p| p.table.as_str());
                // Views and tables share one namespace: a name is one or the other.
                let view = match pick {
                    None => env.catalog.view(&db, real),
                    Some(_) => None,
                };
                if let Some(view) = view {
                    if depth == 0 {
                        env.catalog.check_select(&db, real)?;
                    }
                    column_names.extend(view.columns.iter().map(|c| c.name.clone()));
                    self.view_table(&view, env, depth).await?
                } else {
                    let mut snap = env
                        .catalog
                        .table(&db, real)
                        .ok_or_else(|| unknown_table(&db, real))?;
                    if depth == 0 {
                        env.catalog.check_select(&db, real)?;
                    }
                    if let Some(pick) = pick {
                        snap = partition_pick::restrict(snap, pick)?;
                    }
                    column_names.extend(snap.schema.columns.iter().map(|c| c.name.clone()));
                    Arc::new(OlapTable::new(
                        snap,
                        self.clients.clone(),
                        env.cluster_token.clone(),
                    ))
                }
            };
            let schema = schemas
                .entry(db.clone())
                .or_insert_with(|| Arc::new(MemorySchemaProvider::new()))
                .clone();
            if !schema.table_exist(&table) {
                schema
                    .register_table(table, provider)
                    .map_err(SqlError::internal)?;
            }
        }
        for (db, s) in schemas {
            catalog
                .register_schema(&db, s)
                .map_err(SqlError::internal)?;
        }
        Ok(ResolvedTables {
            catalog,
            column_names,
        })
    }
}

struct ResolvedTables {
    catalog: Arc<MemoryCatalogProvider>,
    column_names: BTreeSet<String>,
}

fn session_config(current_db: &str) -> SessionConfig {
    // Without a current db, bare names fail before planning (No database selected); the
    // placeholder only has to be a name no user database can have.
    let db = if current_db.is_empty() {
        "__no_database_selected__"
    } else {
        current_db
    };
    let mut c = SessionConfig::new()
        .with_create_default_catalog_and_schema(false)
        .with_default_catalog_and_schema(DEFAULT_CATALOG, db)
        .with_information_schema(false)
        .with_target_partitions(4);
    c.options_mut().sql_parser.enable_ident_normalization = false;
    c
}

/// `Unknown table 'db.t'` (5502) in the analyzer's wording.
fn unknown_table(db: &str, table: &str) -> SqlError {
    SqlError::bad_table(&format!("{db}.{table}")).in_analyzer()
}

/// Parses `sql` as one query with DataFusion's sqlparser (MySQL dialect).
fn parse_query(sql: &str) -> SqlResult<Query> {
    let mut stmts = Parser::parse_sql(&MySqlDialect {}, sql).map_err(|e| {
        let msg = e.to_string();
        let msg = msg
            .strip_prefix("sql parser error: ")
            .unwrap_or(&msg)
            .to_string();
        // sqlparser appends " at Line: L, Column: C"; StarRocks puts the position first.
        match msg.rfind(" at Line: ") {
            Some(i) => {
                let pos = &msg[i + " at Line: ".len()..];
                let mut it = pos.split(", Column: ");
                let line = it.next().unwrap_or("1").trim();
                let col = it.next().unwrap_or("0").trim();
                SqlError::syntax(&format!(" at line {line}, column {col}"), msg[..i].trim())
            }
            None => SqlError::syntax("", &msg),
        }
    })?;
    if stmts.len() != 1 {
        return Err(SqlError::syntax(
            "",
            "Only one statement can be executed at a time",
        ));
    }
    match stmts.pop() {
        Some(Statement::Query(q)) => Ok(*q),
        Some(other) => Err(SqlError::syntax(
            " at line 1, column 0",
            &format!(
                "No viable statement for input '{}'",
                other.to_string().split_whitespace().next().unwrap_or("")
            ),
        )),
        None => Err(SqlError::syntax("", "Empty statement")),
    }
}

/// Rewrites column names that match a table column only ignoring case to the column's
/// spelling. Top-level plain columns keep their written name as the title.
fn fix_column_case(query: &mut Query, columns: &BTreeSet<String>) {
    if columns.is_empty() {
        return;
    }
    let by_lower: HashMap<String, Option<&String>> = {
        let mut m: HashMap<String, Option<&String>> = HashMap::new();
        for c in columns {
            m.entry(c.to_lowercase())
                .and_modify(|v| *v = None) // ambiguous ignoring case: leave as written
                .or_insert(Some(c));
        }
        m
    };
    let fix = |id: &mut Ident| {
        if id.value.starts_with('@') || columns.contains(&id.value) {
            return;
        }
        if let Some(Some(c)) = by_lower.get(&id.value.to_lowercase()) {
            id.value = (*c).clone();
        }
    };
    // Keep titles of top-level plain columns.
    if let SetExpr::Select(select) = query.body.as_mut() {
        for item in select.projection.iter_mut() {
            if let SelectItem::UnnamedExpr(Expr::Identifier(id)) = item {
                let written = id.value.clone();
                let mut fixed = id.clone();
                fix(&mut fixed);
                if fixed.value != written {
                    *item = SelectItem::ExprWithAlias {
                        expr: Expr::Identifier(fixed),
                        alias: Ident::with_quote('`', written),
                    };
                }
            }
        }
    }
    struct Fixer<F: FnMut(&mut Ident)>(F);
    impl<F: FnMut(&mut Ident)> VisitorMut for Fixer<F> {
        type Break = ();
        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            match expr {
                Expr::Identifier(id) => (self.0)(id),
                Expr::CompoundIdentifier(ids) => {
                    if let Some(last) = ids.last_mut() {
                        (self.0)(last)
                    }
                }
                _ => {}
            }
            ControlFlow::Continue(())
        }
    }
    let _ = query.visit(&mut Fixer(fix));
}

/// MySQL/StarRocks spellings DataFusion lacks, rewritten in the AST after the titles are
/// taken (so a column still reads `if(...)`). JDBC drivers send all of these in their
/// metadata queries:
/// - `IF(c, a, b)` -> `CASE WHEN c THEN a ELSE b END` (typed like StarRocks's `if`);
/// - `UCASE`/`LCASE` -> `upper`/`lower`; `LOCATE(sub, s)` -> `strpos(s, sub)`;
/// - `CONVERT(x, type)` -> `CAST(x AS type)`; `SIGNED [INTEGER]` -> BIGINT and
///   `UNSIGNED [INTEGER]` -> BIGINT UNSIGNED.
fn rewrite_mysql_functions(query: &mut Query) {
    use datafusion::sql::sqlparser::ast::helpers::attached_token::AttachedToken;
    use datafusion::sql::sqlparser::ast::{
        CaseWhen, CastKind, DataType, FunctionArg, FunctionArgExpr, FunctionArguments, ObjectName,
    };
    use datafusion::sql::sqlparser::tokenizer::{Span, Token, TokenWithSpan};

    fn unnamed_args(args: &FunctionArguments) -> Option<Vec<Expr>> {
        let FunctionArguments::List(list) = args else {
            return None;
        };
        list.args
            .iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
                _ => None,
            })
            .collect()
    }
    fn mysql_type(t: &DataType) -> DataType {
        match t {
            DataType::Signed | DataType::SignedInteger => DataType::BigInt(None),
            DataType::Unsigned | DataType::UnsignedInteger => DataType::BigIntUnsigned(None),
            other => other.clone(),
        }
    }
    struct Rewriter;
    impl VisitorMut for Rewriter {
        type Break = ();
        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            match expr {
                Expr::Function(f) => {
                    let name = f.name.to_string().to_ascii_lowercase();
                    match name.as_str() {
                        "if" => {
                            let Some(Ok([cond, then, otherwise])) =
                                unnamed_args(&f.args).map(<[Expr; 3]>::try_from)
                            else {
                                // Wrong arity: left for the planner to report.
                                return ControlFlow::Continue(());
                            };
                            let token = |w: &str| {
                                AttachedToken(TokenWithSpan::new(
                                    Token::make_keyword(w),
                                    Span::empty(),
                                ))
                            };
                            *expr = Expr::Case {
                                case_token: token("CASE"),
                                end_token: token("END"),
                                operand: None,
                                conditions: vec![CaseWhen {
                                    condition: cond,
                                    result: then,
                                }],
                                else_result: Some(Box::new(otherwise)),
                            };
                        }
                        "ucase" => f.name = ObjectName::from(vec![Ident::new("upper")]),
                        "lcase" => f.name = ObjectName::from(vec![Ident::new("lower")]),
                        "locate" => {
                            if let Some(Ok([sub, s])) =
                                unnamed_args(&f.args).map(<[Expr; 2]>::try_from)
                            {
                                f.name = ObjectName::from(vec![Ident::new("strpos")]);
                                if let FunctionArguments::List(list) = &mut f.args {
                                    list.args = vec![
                                        FunctionArg::Unnamed(FunctionArgExpr::Expr(s)),
                                        FunctionArg::Unnamed(FunctionArgExpr::Expr(sub)),
                                    ];
                                }
                            }
                        }
                        _ => {}
                    }
                }
                Expr::Convert {
                    expr: inner,
                    data_type: Some(t),
                    charset: None,
                    is_try: false,
                    ..
                } => {
                    *expr = Expr::Cast {
                        kind: CastKind::Cast,
                        expr: inner.clone(),
                        data_type: mysql_type(t),
                        array: false,
                        format: None,
                    };
                }
                Expr::Cast { data_type, .. } => *data_type = mysql_type(data_type),
                _ => {}
            }
            ControlFlow::Continue(())
        }
    }
    let _ = query.visit(&mut Rewriter);
}

/// Planning failures in StarRocks's analyzer wording.
fn plan_error(e: DataFusionError) -> SqlError {
    if let Some(sql) = find_sql_error(&e) {
        return sql;
    }
    match e.find_root() {
        DataFusionError::SchemaError(se, _) => match se.as_ref() {
            SchemaError::FieldNotFound { field, .. } => {
                SqlError::analyzing(format!("Column '{}' cannot be resolved", field.name))
            }
            SchemaError::AmbiguousReference { field } => {
                SqlError::analyzing(format!("Column '{}' is ambiguous", field.name))
            }
            other => SqlError::analyzing(other.to_string()),
        },
        DataFusionError::Plan(m) => SqlError::analyzing(m.trim_end_matches('.')),
        DataFusionError::NotImplemented(m) => SqlError::analyzing(m.trim_end_matches('.')),
        other => SqlError::analyzing(other.to_string()),
    }
}

/// Execution failures: our own errors (BE scans) keep their text.
fn execution_error(e: DataFusionError) -> SqlError {
    find_sql_error(&e).unwrap_or_else(|| SqlError::internal(e.find_root()))
}

fn find_sql_error(e: &DataFusionError) -> Option<SqlError> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(s) = err.downcast_ref::<SqlError>() {
            return Some(s.clone());
        }
        if let Some(DataFusionError::External(inner)) = err.downcast_ref::<DataFusionError>() {
            if let Some(s) = inner.downcast_ref::<SqlError>() {
                return Some(s.clone());
            }
        }
        cur = err.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::source::{PartitionSnapshot, SysVarValue, TableSnapshot, VarScope};
    use super::*;
    use crate::result::{ColumnKind, ResultColumn};
    use datafusion::arrow::array::{
        Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
    };
    use datafusion::arrow::datatypes::SchemaRef;
    use datafusion::arrow::ipc::writer::StreamWriter;
    use starload_proto::be::backend_service_server::{BackendService, BackendServiceServer};
    use starload_proto::be::*;
    use starload_proto::types::{
        AggType, BackendAddr, ColumnDef, KeysType, PrimitiveType, Status as PStatus, StatusCode,
        TabletLocation, TabletSchema,
    };
    use std::collections::BTreeMap;
    use std::sync::Mutex;
    use tonic::{Request, Response, Status};

    // ---- in-memory catalog and variables -------------------------------------------------

    #[derive(Default)]
    struct MemCatalog {
        dbs: BTreeMap<String, BTreeMap<String, TableSnapshot>>,
    }

    impl CatalogSource for MemCatalog {
        fn database_names(&self) -> Vec<String> {
            self.dbs.keys().cloned().collect()
        }
        fn database_exists(&self, db: &str) -> bool {
            self.dbs.contains_key(db)
        }
        fn table_names(&self, db: &str) -> Option<Vec<String>> {
            self.dbs.get(db).map(|t| t.keys().cloned().collect())
        }
        fn table(&self, db: &str, table: &str) -> Option<TableSnapshot> {
            self.dbs.get(db)?.get(table).cloned()
        }
    }

    struct Vars;
    impl SystemVariables for Vars {
        fn get(&self, name: &str, scope: VarScope) -> Result<SysVarValue, SqlError> {
            Ok(match (name, scope) {
                ("version_comment", _) => SysVarValue::Str("3.4.0-starload".into()),
                ("auto_increment_increment", _) => SysVarValue::BigInt(1),
                ("max_allowed_packet", _) => SysVarValue::Int(33554432),
                ("autocommit", _) => SysVarValue::Bool(true),
                ("time_zone", VarScope::Global) => SysVarValue::Str("UTC".into()),
                ("time_zone", VarScope::Session) => SysVarValue::Str("Asia/Tokyo".into()),
                _ => {
                    return Err(SqlError::code(
                        starload_proto::error_code::ERR_UNKNOWN_SYSTEM_VARIABLE,
                        &[name, "{}"],
                    ))
                }
            })
        }
    }

    fn col(name: &str, t: PrimitiveType, key: bool) -> ColumnDef {
        let len = if t == PrimitiveType::Varchar { 26 } else { -1 };
        ColumnDef::of(name, t, len, true).keyed(key, AggType::Unspecified)
    }

    fn orders_table(replicas: Vec<BackendAddr>, version: i64) -> TableSnapshot {
        TableSnapshot {
            id: 100,
            name: "orders".into(),
            schema: TabletSchema {
                keys_type: KeysType::DupKeys as i32,
                columns: vec![
                    col("order_id", PrimitiveType::Bigint, true),
                    col("user", PrimitiveType::Varchar, false),
                    col("price", PrimitiveType::Double, false),
                ],
                sort_key_idx: vec![0],
                distribution_idx: vec![0],
                bucket_num: 2,
                schema_version: 0,
            },
            comment: "orders".into(),
            create_time_s: 1_700_000_000,
            partitions: vec![PartitionSnapshot {
                id: 101,
                name: "orders".into(),
                visible_version: version,
                tablets: vec![
                    TabletLocation {
                        tablet_id: 1001,
                        partition_id: 101,
                        bucket: 0,
                        replicas: replicas.clone(),
                    },
                    TabletLocation {
                        tablet_id: 1002,
                        partition_id: 101,
                        bucket: 1,
                        replicas,
                    },
                ],
            }],
            partition_info: Default::default(),
        }
    }

    fn users_table(replicas: Vec<BackendAddr>) -> TableSnapshot {
        let mut t = orders_table(replicas, 2);
        t.id = 200;
        t.name = "users".into();
        t.schema.keys_type = KeysType::PrimaryKeys as i32;
        t.schema.columns = vec![
            col("user", PrimitiveType::Varchar, true),
            col("age", PrimitiveType::Int, false),
            col("flag", PrimitiveType::Boolean, false),
        ];
        t.partitions[0].tablets.truncate(1);
        t.partitions[0].tablets[0].tablet_id = 2001;
        t
    }

    fn env_with(catalog: MemCatalog, db: &str) -> QueryEnv {
        QueryEnv {
            catalog: Arc::new(catalog),
            variables: Arc::new(Vars),
            session: SessionInfo {
                connection_id: 7,
                current_db: db.into(),
                user: "'root'@'127.0.0.1'".into(),
                current_user: "'root'@'%'".into(),
                server_version: "8.0.33".into(),
                current_version: "3.4.0-starload".into(),
            },
            cluster_token: "tok".into(),
        }
    }

    fn env(db: &str) -> QueryEnv {
        let mut c = MemCatalog::default();
        c.dbs
            .entry("shop".into())
            .or_default()
            .insert("orders".into(), orders_table(Vec::new(), 1));
        env_with(c, db)
    }

    async fn rows(sql: &str, env: QueryEnv) -> Vec<Vec<Option<String>>> {
        QueryEngine::new().execute(sql, env).await.unwrap().rows
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    // ---- connect-time probes ---------------------------------------------------------------

    #[tokio::test]
    async fn version_comment_probe() {
        let rs = QueryEngine::new()
            .execute("select @@version_comment limit 1", env(""))
            .await
            .unwrap();
        assert_eq!(
            rs.columns,
            vec![ResultColumn::new("@@version_comment", ColumnKind::Varchar)]
        );
        assert_eq!(rs.rows, vec![vec![s("3.4.0-starload")]]);
    }

    #[tokio::test]
    async fn connector_j_variable_list_is_typed() {
        let rs = QueryEngine::new()
            .execute(
                "/* mysql-connector-j-8.0.33 */SELECT  @@session.auto_increment_increment AS auto_increment_increment, @@max_allowed_packet AS max_allowed_packet, @@autocommit, @@time_zone AS time_zone, @@GLOBAL.time_zone",
                env(""),
            )
            .await
            .unwrap();
        assert_eq!(
            rs.columns,
            vec![
                ResultColumn::new("auto_increment_increment", ColumnKind::Bigint),
                ResultColumn::new("max_allowed_packet", ColumnKind::Int),
                ResultColumn::new("@@autocommit", ColumnKind::Boolean),
                ResultColumn::new("time_zone", ColumnKind::Varchar),
                ResultColumn::new("@@GLOBAL.time_zone", ColumnKind::Varchar),
            ]
        );
        assert_eq!(
            rs.rows,
            vec![vec![
                s("1"),
                s("33554432"),
                s("1"),
                s("Asia/Tokyo"),
                s("UTC")
            ]]
        );
    }

    #[tokio::test]
    async fn unknown_variable_keeps_the_variable_error() {
        let e = QueryEngine::new()
            .execute("SELECT @@default_storage_enginex", env(""))
            .await
            .unwrap_err();
        assert_eq!(e.errno, 1193);
        assert!(
            e.message.contains("default_storage_enginex"),
            "{}",
            e.message
        );
    }

    #[tokio::test]
    async fn mysql_functions_jdbc_sends() {
        let rs = QueryEngine::new()
            .execute(
                "SELECT IF(1 = 1, 'yes', 'no'), if(NULL, 1, 2) AS n, UCASE('a'), LOCATE('(', 'int(11)'), \
                 CAST(11 + 1 AS signed integer), CONVERT(7, UNSIGNED INTEGER)",
                env(""),
            )
            .await
            .unwrap();
        let titles: Vec<&str> = rs.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(titles[..2], ["if(1 = 1, 'yes', 'no')", "n"]);
        assert_eq!(
            rs.rows,
            vec![vec![s("yes"), s("2"), s("A"), s("4"), s("12"), s("7")]]
        );
    }

    #[tokio::test]
    async fn information_functions() {
        let rs = QueryEngine::new()
            .execute(
                "SELECT VERSION(), DATABASE(), SCHEMA(), USER(), CURRENT_USER(), CONNECTION_ID(), current_version() AS ver, 1",
                env("shop"),
            )
            .await
            .unwrap();
        let titles: Vec<&str> = rs.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            titles,
            vec![
                "version()",
                "DATABASE()",
                "SCHEMA()",
                "USER()",
                "CURRENT_USER()",
                "CONNECTION_ID()",
                "ver",
                "1"
            ]
        );
        assert_eq!(
            rs.rows,
            vec![vec![
                s("8.0.33"),
                s("shop"),
                s("shop"),
                s("'root'@'127.0.0.1'"),
                s("'root'@'%'"),
                s("7"),
                s("3.4.0-starload"),
                s("1")
            ]]
        );
        // No database selected: DATABASE() is the empty string, as StarRocks.
        assert_eq!(rows("SELECT DATABASE()", env("")).await, vec![vec![s("")]]);
    }

    // ---- names and errors -----------------------------------------------------------------

    #[tokio::test]
    async fn unknown_database_and_table_errors() {
        let e = QueryEngine::new()
            .execute("SELECT * FROM nodb.t", env(""))
            .await
            .unwrap_err();
        assert_eq!((e.errno, e.sqlstate.as_str()), (5501, "3F000"));
        assert_eq!(
            e.message,
            "Getting analyzing error. Detail message: Unknown database 'nodb'."
        );
        let e = QueryEngine::new()
            .execute("SELECT * FROM nope", env("shop"))
            .await
            .unwrap_err();
        assert_eq!((e.errno, e.sqlstate.as_str()), (5502, "42602"));
        assert_eq!(
            e.message,
            "Getting analyzing error. Detail message: Unknown table 'shop.nope'."
        );
        let e = QueryEngine::new()
            .execute("SELECT * FROM orders", env(""))
            .await
            .unwrap_err();
        assert_eq!(e.errno, 1046);
        let e = QueryEngine::new()
            .execute("SELECT nosuch FROM shop.orders", env(""))
            .await
            .unwrap_err();
        assert_eq!(
            e.message,
            "Getting analyzing error. Detail message: Column 'nosuch' cannot be resolved."
        );
        let e = QueryEngine::new()
            .execute("SELEC 1", env(""))
            .await
            .unwrap_err();
        assert!(
            e.message.starts_with("Getting syntax error"),
            "{}",
            e.message
        );
    }

    #[tokio::test]
    async fn empty_partition_reads_nothing_and_counts_zero() {
        // visible_version 1: nothing published yet, no BE is contacted.
        assert_eq!(
            rows("SELECT count(*) FROM shop.orders", env("")).await,
            vec![vec![s("0")]]
        );
        let rs = QueryEngine::new()
            .execute("SELECT * FROM default_catalog.shop.orders", env(""))
            .await
            .unwrap();
        let titles: Vec<&str> = rs.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(titles, vec!["order_id", "user", "price"]);
        assert!(rs.rows.is_empty());
        // ORDER BY needs one input partition even when there is nothing to scan.
        assert!(rows(
            "SELECT * FROM shop.orders WHERE price > 1 ORDER BY order_id",
            env("")
        )
        .await
        .is_empty());
    }

    #[tokio::test]
    async fn concat_is_null_when_an_argument_is_null() {
        assert_eq!(
            rows(
                "SELECT concat('[', NULL, ']'), concat('a', 1, 'b'), concat_ws('/', 'x', NULL, 'y')",
                env("")
            )
            .await,
            vec![vec![None, s("a1b"), s("x/y")]]
        );
    }

    // ---- information_schema ---------------------------------------------------------------

    #[tokio::test]
    async fn information_schema_tables_and_columns() {
        let rs = QueryEngine::new()
            .execute(
                "SELECT TABLE_NAME, table_type FROM information_schema.`TABLES` WHERE TABLE_SCHEMA = 'shop'",
                env(""),
            )
            .await
            .unwrap();
        let titles: Vec<&str> = rs.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(titles, vec!["TABLE_NAME", "table_type"]);
        assert_eq!(rs.rows, vec![vec![s("orders"), s("BASE TABLE")]]);

        assert_eq!(
            rows(
                "SELECT `SCHEMA_NAME` FROM `INFORMATION_SCHEMA`.`SCHEMATA` ORDER BY SCHEMA_NAME",
                env("")
            )
            .await,
            vec![vec![s("information_schema")], vec![s("shop")]]
        );

        let mut c = MemCatalog::default();
        c.dbs
            .entry("shop".into())
            .or_default()
            .insert("users".into(), users_table(Vec::new()));
        assert_eq!(
            rows(
                "SELECT `COLUMN_NAME`, `DATA_TYPE`, `ORDINAL_POSITION`, `COLUMN_SIZE`, `DECIMAL_DIGITS`, `IS_NULLABLE`, `COLUMN_KEY`, `COLUMN_COMMENT` FROM `information_schema`.`COLUMNS` WHERE `TABLE_SCHEMA`='shop' AND `TABLE_NAME`='users'",
                env_with(c, "")
            )
            .await,
            vec![
                vec![s("user"), s("varchar"), s("1"), s("26"), None, s("YES"), s("PRI"), s("")],
                vec![s("age"), s("int"), s("2"), s("10"), s("0"), s("YES"), s(""), s("")],
                vec![s("flag"), s("tinyint"), s("3"), None, None, s("YES"), s(""), s("")],
            ]
        );
    }

    // ---- BE scans against an in-process BackendService ------------------------------------

    /// A BackendService that serves ScanTablets from fixed batches per tablet and records
    /// requests. Replicas listed in `missing` answer VERSION_MISSING.
    #[derive(Clone, Default)]
    struct TestBe {
        tablets: Arc<BTreeMap<i64, RecordBatch>>,
        version_missing: bool,
        requests: Arc<Mutex<Vec<ScanTabletsRequest>>>,
    }

    fn ipc(batch: &RecordBatch) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut w = StreamWriter::try_new(&mut buf, &batch.schema()).unwrap();
        w.write(batch).unwrap();
        w.finish().unwrap();
        drop(w);
        buf
    }

    type ScanStream =
        std::pin::Pin<Box<dyn futures::Stream<Item = Result<ScanTabletsResponse, Status>> + Send>>;

    #[tonic::async_trait]
    impl BackendService for TestBe {
        type ScanTabletsStream = ScanStream;
        async fn scan_tablets(
            &self,
            req: Request<ScanTabletsRequest>,
        ) -> Result<Response<ScanStream>, Status> {
            let req = req.into_inner();
            self.requests.lock().unwrap().push(req.clone());
            if self.version_missing {
                let r = ScanTabletsResponse {
                    status: Some(PStatus::err(
                        StatusCode::VersionMissing,
                        "version 2 missing",
                    )),
                    arrow_ipc: Vec::new(),
                };
                return Ok(Response::new(Box::pin(futures::stream::iter(vec![Ok(r)]))));
            }
            let mut out = Vec::new();
            for id in &req.tablet_ids {
                let b = self.tablets.get(id).cloned().unwrap();
                // Project the requested columns, in order.
                let idx: Vec<usize> = req
                    .columns
                    .iter()
                    .map(|c| b.schema().index_of(c).unwrap())
                    .collect();
                let b = b.project(&idx).unwrap();
                out.push(Ok(ScanTabletsResponse {
                    status: Some(PStatus::ok()),
                    arrow_ipc: ipc(&b),
                }));
            }
            Ok(Response::new(Box::pin(futures::stream::iter(out))))
        }
        async fn heartbeat(
            &self,
            _: Request<HeartbeatRequest>,
        ) -> Result<Response<HeartbeatResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn create_tablet(
            &self,
            _: Request<CreateTabletRequest>,
        ) -> Result<Response<CreateTabletResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn drop_tablet(
            &self,
            _: Request<DropTabletRequest>,
        ) -> Result<Response<DropTabletResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn submit_routine_load_task(
            &self,
            _: Request<SubmitRoutineLoadTaskRequest>,
        ) -> Result<Response<SubmitRoutineLoadTaskResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn cancel_routine_load_task(
            &self,
            _: Request<CancelRoutineLoadTaskRequest>,
        ) -> Result<Response<CancelRoutineLoadTaskResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn write_tablet_batch(
            &self,
            _: Request<WriteTabletBatchRequest>,
        ) -> Result<Response<WriteTabletBatchResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn publish_version(
            &self,
            _: Request<PublishVersionRequest>,
        ) -> Result<Response<PublishVersionResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn abort_txn(
            &self,
            _: Request<AbortTxnRequest>,
        ) -> Result<Response<AbortTxnResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn truncate_tablet(
            &self,
            _: Request<TruncateTabletRequest>,
        ) -> Result<Response<TruncateTabletResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn clone_tablet(
            &self,
            _: Request<CloneTabletRequest>,
        ) -> Result<Response<CloneTabletResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn load_rows(
            &self,
            _: Request<starload_proto::be::LoadRowsRequest>,
        ) -> Result<Response<starload_proto::be::LoadRowsResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn get_configs(
            &self,
            _: Request<starload_proto::be::GetConfigsRequest>,
        ) -> Result<Response<starload_proto::be::GetConfigsResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn get_load_error_log(
            &self,
            _: Request<starload_proto::be::GetLoadErrorLogRequest>,
        ) -> Result<Response<starload_proto::be::GetLoadErrorLogResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn list_rejected_rows(
            &self,
            _: Request<starload_proto::be::ListRejectedRowsRequest>,
        ) -> Result<Response<starload_proto::be::ListRejectedRowsResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn preview_routine_load(
            &self,
            _: Request<starload_proto::be::PreviewRoutineLoadRequest>,
        ) -> Result<Response<starload_proto::be::PreviewRoutineLoadResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn replay_rejected_rows(
            &self,
            _: Request<starload_proto::be::ReplayRejectedRowsRequest>,
        ) -> Result<Response<starload_proto::be::ReplayRejectedRowsResponse>, Status> {
            Err(Status::unimplemented("test"))
        }
        async fn mark_rejected_rows_replayed(
            &self,
            _: Request<starload_proto::be::MarkRejectedRowsReplayedRequest>,
        ) -> Result<Response<starload_proto::be::MarkRejectedRowsReplayedResponse>, Status>
        {
            Err(Status::unimplemented("test"))
        }
    }

    async fn serve(be: TestBe, id: i64) -> BackendAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(BackendServiceServer::new(be))
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
        );
        BackendAddr {
            backend_id: id,
            host: "127.0.0.1".into(),
            be_port: u32::from(port),
            http_port: 0,
        }
    }

    fn orders_batch(
        schema: &SchemaRef,
        ids: &[i64],
        users: &[&str],
        prices: &[f64],
    ) -> RecordBatch {
        RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(Int64Array::from(ids.to_vec())),
                Arc::new(StringArray::from(users.to_vec())),
                Arc::new(Float64Array::from(prices.to_vec())),
            ],
        )
        .unwrap()
    }

    #[tokio::test]
    async fn scans_aggregate_join_and_retry_replicas() {
        let orders_schema: SchemaRef = Arc::new(starload_proto::schema::arrow_schema(
            &orders_table(Vec::new(), 2).schema,
        ));
        let users_schema: SchemaRef = Arc::new(starload_proto::schema::arrow_schema(
            &users_table(Vec::new()).schema,
        ));
        let mut tablets = BTreeMap::new();
        tablets.insert(
            1001,
            orders_batch(
                &orders_schema,
                &[1, 2, 3],
                &["ann", "bob", "ann"],
                &[10.0, 20.5, 30.0],
            ),
        );
        tablets.insert(
            1002,
            orders_batch(&orders_schema, &[4, 5], &["cat", "bob"], &[5.0, 859.5]),
        );
        tablets.insert(
            2001,
            RecordBatch::try_new(
                users_schema,
                vec![
                    Arc::new(StringArray::from(vec!["ann", "bob", "cat"])),
                    Arc::new(Int32Array::from(vec![30, 40, 50])),
                    Arc::new(datafusion::arrow::array::BooleanArray::from(vec![
                        true, false, true,
                    ])),
                ],
            )
            .unwrap(),
        );
        let tablets = Arc::new(tablets);
        // Replica order per tablet starts at tablet_id % 2: tablet 1001 tries BE 2 (broken) first.
        let good = TestBe {
            tablets: tablets.clone(),
            ..Default::default()
        };
        let broken = TestBe {
            tablets: tablets.clone(),
            version_missing: true,
            ..Default::default()
        };
        let good_addr = serve(good.clone(), 1).await;
        let broken_addr = serve(broken.clone(), 2).await;
        let replicas = vec![good_addr, broken_addr];

        let mut c = MemCatalog::default();
        let db = c.dbs.entry("shop".into()).or_default();
        db.insert("orders".into(), orders_table(replicas.clone(), 3));
        db.insert("users".into(), users_table(replicas));
        let env = env_with(c, "shop");
        let engine = QueryEngine::new();

        let rs = engine
            .execute(
                "SELECT user, count(*), sum(price), min(price), max(order_id), avg(price) FROM orders WHERE price > 6 GROUP BY user ORDER BY user",
                env.clone(),
            )
            .await
            .unwrap();
        let titles: Vec<&str> = rs.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            titles,
            vec![
                "user",
                "count(*)",
                "sum(price)",
                "min(price)",
                "max(order_id)",
                "avg(price)"
            ]
        );
        assert_eq!(
            rs.rows,
            vec![
                vec![s("ann"), s("2"), s("40"), s("10"), s("3"), s("20")],
                vec![s("bob"), s("2"), s("880"), s("20.5"), s("5"), s("440")],
            ]
        );

        // Every request carried the version, the token, the projection and the predicate.
        let reqs = good.requests.lock().unwrap().clone();
        assert!(reqs
            .iter()
            .all(|r| r.version == 3 && r.cluster_token == "tok"));
        assert!(reqs.iter().any(|r| r.tablet_ids == vec![1001]));
        assert!(reqs.iter().all(|r| r
            .predicates
            .iter()
            .any(|p| p.column == "price" && p.literal == "6")));
        // The broken replica was asked first for one tablet, then the good one served it.
        assert!(!broken.requests.lock().unwrap().is_empty());

        // Join of two tables, LIMIT, projection of a BOOLEAN.
        assert_eq!(
            rows(
                "SELECT o.order_id, u.age, u.flag FROM orders o JOIN users u ON o.user = u.user WHERE u.age >= 40 ORDER BY o.order_id LIMIT 2",
                env.clone()
            )
            .await,
            vec![
                vec![s("2"), s("40"), s("0")],
                vec![s("4"), s("50"), s("1")],
            ]
        );
        assert_eq!(
            rows("SELECT count(*) FROM orders", env.clone()).await,
            vec![vec![s("5")]]
        );
        // Column names match ignoring case; the title keeps the written text.
        let rs = engine
            .execute("SELECT ORDER_ID FROM orders WHERE Order_Id = 5", env)
            .await
            .unwrap();
        assert_eq!(rs.columns[0].name, "ORDER_ID");
        assert_eq!(rs.rows, vec![vec![s("5")]]);
    }
}
