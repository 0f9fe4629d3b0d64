//! Executes view statements (CREATE / ALTER / DROP VIEW, SHOW CREATE VIEW) and answers the
//! table statements that name a view (SHOW CREATE TABLE, DESC, SHOW COLUMNS, DROP TABLE,
//! INSERT / DELETE) the way StarRocks answers them for a `View`.
//!
//! CREATE VIEW plans its query through the query engine with the session's rights (unknown
//! tables and columns fail with the engine's analyzer errors) and stores the text, the
//! database bare names resolve against and the output columns (`catalog::view`).

use crate::catalog::view::{View, ViewColumn};
use crate::catalog::DataType;
use crate::clock::now_ms;
use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::handler::ddl::{rows_result, show_columns_titles};
use crate::handler::query::query_env;
use crate::handler::resolve::resolve_db;
use crate::result::QueryResult;
use crate::session::Session;
use crate::sql::ddl::{DdlStmt, TableRef};
use crate::sql::insert::WriteStmt;
use crate::sql::view::{ViewColumnDef, ViewStmt};
use crate::sql::Statement;
use datafusion::arrow::datatypes::{DataType as Arrow, Schema};
use starload_proto::error_code;

/// `SHOW CREATE VIEW` / `SHOW CREATE TABLE <view>` titles (`ShowCreateTableStmt` view meta).
const SHOW_CREATE_VIEW_TITLES: &[&str] = &[
    "View",
    "Create View",
    "character_set_client",
    "collation_connection",
];

pub async fn execute(
    ctx: &FeContext,
    session: &mut Session,
    stmt: ViewStmt,
) -> SqlResult<QueryResult> {
    match stmt {
        ViewStmt::Create {
            view,
            or_replace,
            if_not_exists,
            columns,
            comment,
            query,
        } => {
            create(
                ctx,
                session,
                &view,
                or_replace,
                if_not_exists,
                columns,
                comment,
                query,
            )
            .await
        }
        ViewStmt::Alter {
            view,
            columns,
            query,
        } => {
            let db = resolve_db(ctx, session, view.db.clone())?;
            let Some(old) = ctx.catalog.get_view(&db, &view.table) else {
                return Err(not_a_view_or_missing(ctx, &db, &view.table));
            };
            let comment = old.comment.clone();
            create(ctx, session, &view, true, false, columns, comment, query).await
        }
        ViewStmt::Drop { view, if_exists } => {
            let db = resolve_db(ctx, session, view.db.clone())?;
            let _ddl = ctx.catalog.ddl_lock().await;
            if ctx.catalog.get_view(&db, &view.table).is_none() {
                if ctx.catalog.get_table(&db, &view.table).is_some() {
                    return Err(wrong_object(&db, &view.table, "VIEW"));
                }
                // DropStmtAnalyzer: the table name only.
                return if if_exists {
                    Ok(QueryResult::ok())
                } else {
                    Err(SqlError::bad_table(&view.table).in_analyzer())
                };
            }
            ctx.catalog.drop_view(&db, &view.table)?;
            Ok(QueryResult::ok())
        }
        ViewStmt::ShowCreate { view } => {
            let db = resolve_db(ctx, session, view.db.clone())?;
            match ctx.catalog.get_view(&db, &view.table) {
                Some(v) => Ok(show_create(&v)),
                None => Err(not_a_view_or_missing(ctx, &db, &view.table)),
            }
        }
    }
}

/// Table statements that name a view: answered here (`Some`), or left to their own handler.
pub fn on_view(
    ctx: &FeContext,
    session: &Session,
    stmt: &Statement,
) -> Option<SqlResult<QueryResult>> {
    let (t, what) = match stmt {
        Statement::Ddl(DdlStmt::ShowCreateTable { table }) => (table, Named::ShowCreate),
        Statement::Ddl(DdlStmt::Desc { table, .. }) => (table, Named::Desc),
        Statement::Ddl(DdlStmt::ShowColumns { table, full, .. }) => (table, Named::Columns(*full)),
        Statement::Ddl(DdlStmt::DropTable { table, .. }) => (table, Named::DropTable),
        Statement::Write(WriteStmt::Insert(i)) => (&i.table, Named::Write),
        Statement::Write(WriteStmt::Delete(d)) => (&d.table, Named::Write),
        _ => return None,
    };
    let view = find(ctx, session, t)?;
    Some(Ok(match what {
        Named::ShowCreate => show_create(&view),
        Named::Desc => rows_result(
            &["Field", "Type", "Null", "Key", "Default", "Extra"],
            view.columns
                .iter()
                .map(|c| {
                    vec![
                        Some(c.name.clone()),
                        Some(c.data_type.canonical_name()),
                        Some("YES".into()),
                        Some("false".into()),
                        None,
                        Some(String::new()),
                    ]
                })
                .collect(),
        ),
        Named::Columns(full) => {
            let rows = view
                .columns
                .iter()
                .map(|c| {
                    let ty = Some(c.data_type.canonical_name());
                    if full {
                        vec![
                            Some(c.name.clone()),
                            ty,
                            None,
                            Some("YES".into()),
                            Some("NO".into()),
                            None,
                            Some(String::new()),
                            Some(String::new()),
                            Some(c.comment.clone()),
                        ]
                    } else {
                        vec![
                            Some(c.name.clone()),
                            ty,
                            Some("YES".into()),
                            Some("NO".into()),
                            None,
                            Some(String::new()),
                        ]
                    }
                })
                .collect();
            rows_result(show_columns_titles(full), rows)
        }
        Named::DropTable => {
            let db = t.db.clone().unwrap_or_else(|| session.current_db.clone());
            return Some(Err(wrong_object(&db, &view.name, "TABLE")));
        }
        // InsertAnalyzer: a view does not `supportInsert()`.
        Named::Write => {
            return Some(Err(SqlError::analyzing(
                "Only support insert into olap table or mysql table or iceberg table",
            )))
        }
    }))
}

enum Named {
    ShowCreate,
    Desc,
    Columns(bool),
    DropTable,
    Write,
}

fn find(ctx: &FeContext, session: &Session, t: &TableRef) -> Option<std::sync::Arc<View>> {
    let db = t.db.clone().unwrap_or_else(|| session.current_db.clone());
    ctx.catalog.get_view(&db, &t.table)
}

#[allow(clippy::too_many_arguments)]
async fn create(
    ctx: &FeContext,
    session: &Session,
    view: &TableRef,
    or_replace: bool,
    if_not_exists: bool,
    columns: Vec<ViewColumnDef>,
    comment: String,
    query: String,
) -> SqlResult<QueryResult> {
    let db = resolve_db(ctx, session, view.db.clone())?;
    let Some(database) = ctx.catalog.get_db(&db) else {
        return Err(SqlError::bad_db(&db).in_analyzer());
    };
    if !or_replace && !if_not_exists && ctx.catalog.get_table(&db, &view.table).is_some() {
        return Err(SqlError::code(
            error_code::ERR_TABLE_EXISTS_ERROR,
            &[&view.table],
        ));
    }
    // The query is analysed with the session's database and rights, as StarRocks's
    // ViewAnalyzer does.
    let env = query_env(ctx, session);
    let schema = ctx.query.output_schema(&query, env).await?;
    let cols = view_columns(&schema, &columns)?;
    let aliases = if columns.is_empty() {
        Vec::new()
    } else {
        columns.iter().map(|c| c.name.clone()).collect()
    };
    let _ddl = ctx.catalog.ddl_lock().await;
    let v = View {
        id: ctx.catalog.meta().next_id().map_err(SqlError::internal)?,
        db_id: database.id,
        name: view.table.clone(),
        columns: cols,
        comment,
        query,
        resolve_db: session.current_db.clone(),
        column_aliases: aliases,
        definer: session.user_identity(),
        create_time_ms: now_ms(),
    };
    ctx.catalog.create_view(v, or_replace, if_not_exists)?;
    Ok(QueryResult::ok())
}

/// The view's columns: the query's output, renamed by the column list when one is given.
fn view_columns(schema: &Schema, given: &[ViewColumnDef]) -> SqlResult<Vec<ViewColumn>> {
    if !given.is_empty() && given.len() != schema.fields().len() {
        // ErrorCode.ERR_VIEW_WRONG_LIST, raised by the analyzer.
        return Err(SqlError::analyzing(
            "View's SELECT and view's field list have different column counts",
        ));
    }
    let mut out: Vec<ViewColumn> = Vec::new();
    for (i, f) in schema.fields().iter().enumerate() {
        let (name, comment) = match given.get(i) {
            Some(c) => (c.name.clone(), c.comment.clone()),
            None => (f.name().clone(), String::new()),
        };
        if out.iter().any(|c| c.name.eq_ignore_ascii_case(&name)) {
            return Err(SqlError::code(error_code::ERR_DUP_FIELDNAME, &[&name]).in_analyzer());
        }
        out.push(ViewColumn {
            name,
            data_type: column_type(f.data_type()),
            comment,
        });
    }
    Ok(out)
}

/// The StarRocks type a view column of this Arrow type shows (strings lose their length in
/// the plan: StarRocks's default string type, varchar(65533)).
fn column_type(t: &Arrow) -> DataType {
    use crate::catalog::types::DecimalKind;
    match t {
        Arrow::Boolean | Arrow::Null => DataType::Boolean,
        Arrow::Int8 | Arrow::UInt8 => DataType::Tinyint,
        Arrow::Int16 | Arrow::UInt16 => DataType::Smallint,
        Arrow::Int32 | Arrow::UInt32 => DataType::Int,
        Arrow::Int64 => DataType::Bigint,
        Arrow::UInt64 => DataType::Largeint,
        Arrow::Float16 | Arrow::Float32 => DataType::Float,
        Arrow::Float64 => DataType::Double,
        Arrow::Decimal128(p, s) | Arrow::Decimal256(p, s) => {
            let precision = u32::from(*p).min(38);
            DataType::Decimal {
                kind: DecimalKind::narrowest(precision),
                precision,
                scale: (*s).max(0) as u32,
            }
        }
        Arrow::Date32 | Arrow::Date64 => DataType::Date,
        Arrow::Timestamp(..) => DataType::Datetime,
        Arrow::List(f) | Arrow::LargeList(f) => {
            DataType::Array(Box::new(column_type(f.data_type())))
        }
        _ => DataType::Varchar(Some(65533)),
    }
}

fn show_create(v: &View) -> QueryResult {
    rows_result(
        SHOW_CREATE_VIEW_TITLES,
        vec![vec![
            Some(v.name.clone()),
            Some(v.create_stmt()),
            Some("utf8".into()),
            Some("utf8_general_ci".into()),
        ]],
    )
}

/// ALTER VIEW / SHOW CREATE VIEW of a name that is a table (`'db'.'t' is not 'VIEW'`) or
/// nothing (`Unknown table 'db.v'`).
fn not_a_view_or_missing(ctx: &FeContext, db: &str, name: &str) -> SqlError {
    if ctx.catalog.get_table(db, name).is_some() {
        wrong_object(db, name, "VIEW")
    } else {
        SqlError::bad_table(&format!("{db}.{name}")).in_analyzer()
    }
}

/// ERR_WRONG_OBJECT from DropStmtAnalyzer (a semantic exception).
fn wrong_object(db: &str, name: &str, kind: &str) -> SqlError {
    SqlError::code(error_code::ERR_WRONG_OBJECT, &[db, name, kind]).in_analyzer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::Field;

    #[test]
    fn columns_take_the_list_names_and_starrocks_types() {
        let schema = Schema::new(vec![
            Field::new("nationality", Arrow::Utf8, true),
            Field::new("sum(price)", Arrow::Float64, true),
        ]);
        let cols = view_columns(&schema, &[]).unwrap();
        assert_eq!(cols[0].data_type, DataType::Varchar(Some(65533)));
        assert_eq!(cols[1].name, "sum(price)");
        let given = vec![
            ViewColumnDef {
                name: "n".into(),
                comment: "c".into(),
            },
            ViewColumnDef {
                name: "t".into(),
                comment: String::new(),
            },
        ];
        let cols = view_columns(&schema, &given).unwrap();
        assert_eq!(
            (cols[0].name.as_str(), cols[0].comment.as_str()),
            ("n", "c")
        );
        let e = view_columns(&schema, &given[..1]).unwrap_err();
        assert!(
            e.message.contains("different column counts"),
            "{}",
            e.message
        );
    }
}
