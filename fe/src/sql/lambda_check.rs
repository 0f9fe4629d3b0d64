//! CREATE / ALTER ROUTINE LOAD's checks of lambda expressions in COLUMNS and WHERE, with the
//! texts of StarRocks's `ExpressionAnalyzer` (the BE compiles the same rules again; checking
//! here refuses the statement instead of creating a job whose every task would fail).
//!
//! A lambda must be a direct argument of a higher-order function (`array_map` / `transform`,
//! `array_filter`, `any_match`, `all_match`, `array_sortby`, `map_filter`), with as many
//! parameters as the function has input arrays (two, key and value, for a map), no parameter
//! twice, and at least one input.

use datafusion::sql::sqlparser::ast::{
    visit_expressions, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, OneOrManyWithParens,
};
use std::ops::ControlFlow;

const HIGHER_ORDER: &[&str] = &[
    "array_map",
    "transform",
    "array_filter",
    "any_match",
    "all_match",
    "array_sortby",
    "map_filter",
];

/// The first rule `e` breaks, as StarRocks words it.
pub fn check(e: &Expr) -> Result<(), String> {
    let mut lambdas = 0usize;
    let mut placed = 0usize;
    let flow = visit_expressions(e, |x| {
        match x {
            Expr::Lambda(_) => lambdas += 1,
            Expr::Function(f) => {
                let name = f.name.to_string().to_ascii_lowercase();
                if !HIGHER_ORDER.contains(&name.as_str()) {
                    return ControlFlow::Continue(());
                }
                let FunctionArguments::List(list) = &f.args else {
                    return ControlFlow::Continue(());
                };
                let mut params = None;
                let mut inputs = 0usize;
                for a in &list.args {
                    match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Lambda(l)))
                            if params.is_none() =>
                        {
                            params = Some(match &l.params {
                                OneOrManyWithParens::One(p) => vec![p.name.value.clone()],
                                OneOrManyWithParens::Many(ps) => {
                                    ps.iter().map(|p| p.name.value.clone()).collect()
                                }
                            });
                        }
                        _ => inputs += 1,
                    }
                }
                let Some(params) = params else {
                    return ControlFlow::Continue(());
                };
                placed += 1;
                if inputs == 0 {
                    return ControlFlow::Break(format!("{name} should have a input array"));
                }
                for (i, p) in params.iter().enumerate() {
                    if params[..i].iter().any(|q| q.eq_ignore_ascii_case(p)) {
                        return ControlFlow::Break(format!("Lambda argument: {p} is duplicated"));
                    }
                }
                let slots = if name == "map_filter" {
                    2 * inputs
                } else {
                    inputs
                };
                if params.len() != slots {
                    return ControlFlow::Break(
                        "Lambda arguments should equal to lambda input arrays".to_string(),
                    );
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    });
    if let ControlFlow::Break(msg) = flow {
        return Err(msg);
    }
    if lambdas > placed {
        return Err(
            "Lambda Functions can only be used in high-order functions with arrays/maps".into(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::sql::sqlparser::parser::Parser;
    use starload_proto::load_dialect::LoadExprDialect;

    fn check_sql(sql: &str) -> Result<(), String> {
        let e = Parser::new(&LoadExprDialect::default())
            .try_with_sql(sql)
            .unwrap()
            .parse_expr()
            .unwrap();
        check(&e)
    }

    #[test]
    fn starrocks_rules() {
        assert_eq!(check_sql("array_map(x -> x + 1, arr)"), Ok(()));
        assert_eq!(check_sql("any_match(arr, x -> x > k)"), Ok(()));
        assert_eq!(check_sql("map_filter((k, v) -> v > 1, m)"), Ok(()));
        assert_eq!(
            check_sql("array_map(x -> array_map(y -> x + y, b), a)"),
            Ok(())
        );
        assert_eq!(
            check_sql("array_map((x, y) -> x + y, arr)").unwrap_err(),
            "Lambda arguments should equal to lambda input arrays"
        );
        assert_eq!(
            check_sql("array_map((x, X) -> x, a, b)").unwrap_err(),
            "Lambda argument: X is duplicated"
        );
        assert_eq!(
            check_sql("abs(x -> x)").unwrap_err(),
            "Lambda Functions can only be used in high-order functions with arrays/maps"
        );
        assert_eq!(
            check_sql("all_match(x -> x)").unwrap_err(),
            "all_match should have a input array"
        );
    }
}
