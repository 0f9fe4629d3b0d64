//! Column titles as StarRocks prints them, and the AST rewrites that make DataFusion produce
//! them. StarRocks names an unaliased select item by regenerating its text
//! (`SelectAnalyzer.analyzeSelect` + `AstToStringBuilder.getAliasName`): a column reference is
//! its column name as written, a function call is its lower-cased name with `, `-joined
//! arguments (`count(*)`, `sum(price)`, `version()`), an information function is upper case
//! (`DATABASE()`, `CURRENT_USER()`), a variable is `@@name` / `@@SESSION.name` /
//! `@@GLOBAL.name`, operands that are not columns or literals get parentheses
//! (`a + (b * 2)`), string literals keep their quotes (`'abc'`).
//!
//! We put that title on each unaliased item of the outermost SELECT as an alias before
//! DataFusion plans the statement, so the output field names are the titles.

use datafusion::sql::sqlparser::ast::{
    BinaryOperator, CastKind, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident,
    ObjectNamePart, Query, Select, SelectItem, SetExpr, UnaryOperator, Value,
};

/// The StarRocks information functions (`informationFunctionExpression` in StarRocks.g4),
/// printed upper case.
const INFORMATION_FUNCTIONS: &[&str] = &[
    "database",
    "schema",
    "user",
    "connection_id",
    "current_user",
    "catalog",
    "current_role",
];

/// StarRocks's title for an unaliased select expression.
pub fn title(expr: &Expr) -> String {
    match expr {
        Expr::Identifier(id) => id.value.clone(),
        Expr::CompoundIdentifier(ids) => {
            if ids.first().is_some_and(|i| i.value.starts_with('@')) {
                variable_title(ids)
            } else {
                ids.last().map(|i| i.value.clone()).unwrap_or_default()
            }
        }
        Expr::Value(v) => literal_title(&v.value),
        Expr::Nested(e) => title(e),
        Expr::Function(f) => {
            let name = f
                .name
                .0
                .last()
                .map(|p| match p {
                    ObjectNamePart::Identifier(i) => i.value.clone(),
                    ObjectNamePart::Function(f) => f.name.value.clone(),
                })
                .unwrap_or_default();
            let lower = name.to_ascii_lowercase();
            if INFORMATION_FUNCTIONS.contains(&lower.as_str()) {
                return format!("{}()", name.to_ascii_uppercase());
            }
            let mut s = lower;
            s.push('(');
            if let FunctionArguments::List(list) = &f.args {
                if list.duplicate_treatment.is_some_and(|d| {
                    d == datafusion::sql::sqlparser::ast::DuplicateTreatment::Distinct
                }) {
                    s.push_str("DISTINCT ");
                }
                let args: Vec<String> = list
                    .args
                    .iter()
                    .map(|a| match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => title(e),
                        FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => "*".to_string(),
                        other => other.to_string(),
                    })
                    .collect();
                s.push_str(&args.join(", "));
            }
            s.push(')');
            s
        }
        Expr::BinaryOp { left, op, right } => format!(
            "{} {} {}",
            with_parentheses(left),
            binary_op(op),
            with_parentheses(right)
        ),
        Expr::UnaryOp { op, expr } => match op {
            UnaryOperator::Not => format!("NOT {}", with_parentheses(expr)),
            UnaryOperator::Minus => format!("-{}", with_parentheses(expr)),
            UnaryOperator::Plus => format!("+{}", with_parentheses(expr)),
            other => format!("{other}{}", with_parentheses(expr)),
        },
        Expr::IsNull(e) => format!("{} IS NULL", with_parentheses(e)),
        Expr::IsNotNull(e) => format!("{} IS NOT NULL", with_parentheses(e)),
        Expr::Cast {
            kind: CastKind::Cast,
            expr,
            data_type,
            ..
        } => format!("CAST({} AS {data_type})", with_parentheses(expr)),
        other => other.to_string(),
    }
}

fn variable_title(ids: &[Ident]) -> String {
    let first = ids
        .first()
        .map(|i| i.value.trim_start_matches('@').to_ascii_lowercase())
        .unwrap_or_default();
    let rest: Vec<&str> = ids.iter().skip(1).map(|i| i.value.as_str()).collect();
    match first.as_str() {
        "global" => format!("@@GLOBAL.{}", rest.join(".")),
        "session" | "local" => format!("@@SESSION.{}", rest.join(".")),
        _ => ids
            .iter()
            .map(|i| i.value.as_str())
            .collect::<Vec<_>>()
            .join("."),
    }
}

fn literal_title(v: &Value) -> String {
    match v {
        Value::Number(n, _) => n.clone(),
        Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => {
            format!("'{}'", s.replace('\'', "\\'"))
        }
        Value::Boolean(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Value::Null => "NULL".to_string(),
        other => other.to_string(),
    }
}

/// StarRocks's `printWithParentheses`: columns and literals bare, anything else in `( )`.
fn with_parentheses(e: &Expr) -> String {
    let inner = match e {
        Expr::Nested(i) => i.as_ref(),
        other => other,
    };
    match inner {
        Expr::Identifier(_) | Expr::CompoundIdentifier(_) | Expr::Value(_) => title(inner),
        _ => format!("({})", title(inner)),
    }
}

fn binary_op(op: &BinaryOperator) -> String {
    match op {
        BinaryOperator::NotEq => "!=".to_string(),
        BinaryOperator::Spaceship => "<=>".to_string(),
        BinaryOperator::MyIntegerDivide => "DIV".to_string(),
        other => other.to_string(),
    }
}

/// Puts StarRocks's title as an alias on every unaliased expression of the outermost SELECT
/// (the left-most one of a set operation, which names the result columns).
pub fn alias_select_items(query: &mut Query) {
    if let Some(select) = leftmost_select(&mut query.body) {
        alias_items(select);
    }
}

fn leftmost_select(body: &mut SetExpr) -> Option<&mut Select> {
    match body {
        SetExpr::Select(s) => Some(s.as_mut()),
        SetExpr::SetOperation { left, .. } => leftmost_select(left),
        SetExpr::Query(q) => leftmost_select(&mut q.body),
        _ => None,
    }
}

fn alias_items(select: &mut Select) {
    for item in select.projection.iter_mut() {
        if let SelectItem::UnnamedExpr(expr) = item {
            let t = title(expr);
            // A plain column keeps DataFusion's own name unless the written case differs.
            if matches!(expr, Expr::Identifier(i) if i.value == t) {
                continue;
            }
            let e = std::mem::replace(expr, Expr::value(Value::Null));
            *item = SelectItem::ExprWithAlias {
                expr: e,
                alias: Ident::with_quote('`', t),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::dialect::MySqlDialect;
    use datafusion::sql::sqlparser::parser::Parser;

    fn titles(sql: &str) -> Vec<String> {
        let stmts = Parser::parse_sql(&MySqlDialect {}, sql).unwrap();
        let datafusion::sql::sqlparser::ast::Statement::Query(q) = &stmts[0] else {
            panic!("not a query")
        };
        let SetExpr::Select(s) = q.body.as_ref() else {
            panic!("not a select")
        };
        s.projection
            .iter()
            .map(|i| match i {
                SelectItem::UnnamedExpr(e) => title(e),
                SelectItem::ExprWithAlias { alias, .. } => alias.value.clone(),
                other => other.to_string(),
            })
            .collect()
    }

    #[test]
    fn connect_probe_titles() {
        assert_eq!(
            titles("SELECT @@version_comment LIMIT 1"),
            vec!["@@version_comment"]
        );
        assert_eq!(
            titles("select @@session.auto_increment_increment, @@GLOBAL.time_zone, @@local.x"),
            vec![
                "@@SESSION.auto_increment_increment",
                "@@GLOBAL.time_zone",
                "@@SESSION.x"
            ]
        );
        assert_eq!(
            titles("SELECT DATABASE(), schema(), USER(), current_user(), CONNECTION_ID()"),
            vec![
                "DATABASE()",
                "SCHEMA()",
                "USER()",
                "CURRENT_USER()",
                "CONNECTION_ID()"
            ]
        );
        assert_eq!(
            titles("SELECT VERSION(), current_version() as ver, 1"),
            vec!["version()", "ver", "1"]
        );
    }

    #[test]
    fn expression_titles() {
        assert_eq!(
            titles("SELECT COUNT(*), sum(price), count(DISTINCT user_id), t.k, a + b * 2, 'x'"),
            vec![
                "count(*)",
                "sum(price)",
                "count(DISTINCT user_id)",
                "k",
                "a + (b * 2)",
                "'x'"
            ]
        );
        assert_eq!(
            titles("SELECT a = 1, a != 2, a IS NULL, NOT b"),
            vec!["a = 1", "a != 2", "a IS NULL", "NOT b"]
        );
    }

    #[test]
    fn aliases_are_added_to_the_outer_select_only() {
        let mut stmts = Parser::parse_sql(
            &MySqlDialect {},
            "SELECT k, COUNT(*), sum(v) AS s FROM t GROUP BY k",
        )
        .unwrap();
        let datafusion::sql::sqlparser::ast::Statement::Query(q) = &mut stmts[0] else {
            panic!()
        };
        alias_select_items(q);
        assert_eq!(
            q.to_string(),
            "SELECT k, COUNT(*) AS `count(*)`, sum(v) AS s FROM t GROUP BY k"
        );
    }
}
