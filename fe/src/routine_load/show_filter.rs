//! The in-memory WHERE / ORDER BY of SHOW ROUTINE LOAD (StarRocks's
//! `RoutineLoadFunctionalExprProvider`): which columns may be filtered and sorted, how each
//! compares, and StarRocks's error texts. Works on the rows `show::job_row` builds, finding
//! each column by its title in [`JOB_TITLES`].

use super::show::JOB_TITLES;
use datafusion::sql::sqlparser::ast::{BinaryOperator, Expr, OrderByExpr, Value};

/// Column kinds for the SHOW filter (`RoutineLoadFunctionalExprProvider`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum FilterKind {
    Bigint,
    Varchar,
    Datetime,
}

/// The columns SHOW ROUTINE LOAD may filter and sort on, with how their text compares. The
/// column is found by its title in [`JOB_TITLES`], so the row layout has one definition.
const FILTER_COLUMNS: &[(&str, FilterKind)] = &[
    ("Id", FilterKind::Bigint),
    ("Name", FilterKind::Varchar),
    ("CreateTime", FilterKind::Datetime),
    ("PauseTime", FilterKind::Datetime),
    ("EndTime", FilterKind::Datetime),
    ("TableName", FilterKind::Varchar),
    ("State", FilterKind::Varchar),
    ("CurrentTaskNum", FilterKind::Bigint),
    ("ReasonOfStateChanged", FilterKind::Varchar),
    ("OtherMsg", FilterKind::Varchar),
];

/// The kind and row index of a filterable column (case-insensitive, as StarRocks).
fn filter_column(name: &str) -> Option<(FilterKind, usize)> {
    let (title, kind) = FILTER_COLUMNS
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))?;
    let idx = JOB_TITLES.iter().position(|t| t == title)?;
    Some((*kind, idx))
}

pub fn column_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(i) => Some(i.value.clone()),
        Expr::CompoundIdentifier(v) => v.last().map(|i| i.value.clone()),
        _ => None,
    }
}

pub fn literal_string(e: &Expr) -> Option<String> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn literal_int(e: &Expr) -> Option<i64> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        Expr::UnaryOp { op, expr } if op.to_string() == "-" => literal_int(expr).map(|v| -v),
        _ => None,
    }
}

/// A compiled predicate over one SHOW row.
pub type RowPred = Box<dyn Fn(&[Option<String>]) -> bool>;

fn like_match(text: &str, pattern: &str) -> bool {
    // `%` -> any run, `?` and `_` -> one char; case-insensitive (StarRocks uses `?` too).
    fn rec(t: &[char], p: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('%') => (0..=t.len()).any(|i| rec(&t[i..], &p[1..])),
            Some('?') | Some('_') => !t.is_empty() && rec(&t[1..], &p[1..]),
            Some(c) => t.first() == Some(c) && rec(&t[1..], &p[1..]),
        }
    }
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    rec(&t, &p)
}

pub fn compile_where(e: &Expr) -> Result<RowPred, String> {
    match e {
        Expr::Nested(inner) => compile_where(inner),
        Expr::BinaryOp {
            left,
            op: BinaryOperator::And,
            right,
        } => {
            let l = compile_where(left)?;
            let r = compile_where(right)?;
            Ok(Box::new(move |row| l(row) && r(row)))
        }
        Expr::BinaryOp {
            op: BinaryOperator::Or,
            ..
        }
        | Expr::UnaryOp { .. } => {
            Err("Only `AND` operator is allowed in compound predicates.".into())
        }
        Expr::BinaryOp { left, op, right } => {
            let col = column_name(left)
                .ok_or_else(|| format!("`{left}` is not allowed in `where` clause."))?;
            let (kind, idx) = filter_column(&col)
                .ok_or_else(|| format!("Column `{col}` is not allowed in `where` clause"))?;
            let op = op.clone();
            match kind {
                FilterKind::Varchar => {
                    if !matches!(op, BinaryOperator::Eq | BinaryOperator::NotEq) {
                        return Err(format!(
                            "Operator `{op}` is not allowed in `where` clause for column `{col}`."
                        ));
                    }
                    let v = literal_string(right).ok_or_else(|| {
                        format!("Wrong RValue's type in `where` clause for column `{col}`")
                    })?;
                    let eq = op == BinaryOperator::Eq;
                    Ok(Box::new(move |row| {
                        let cell = row[idx].as_deref().unwrap_or("");
                        cell.eq_ignore_ascii_case(&v) == eq
                    }))
                }
                FilterKind::Bigint | FilterKind::Datetime => {
                    let rv: String = if kind == FilterKind::Bigint {
                        literal_int(right)
                            .ok_or_else(|| {
                                format!("Wrong RValue's type in `where` clause for column `{col}`")
                            })?
                            .to_string()
                    } else {
                        literal_string(right).ok_or_else(|| {
                            format!("Wrong RValue's type in `where` clause for column `{col}`")
                        })?
                    };
                    let cmp = move |cell: &str| -> Option<std::cmp::Ordering> {
                        if kind == FilterKind::Bigint {
                            Some(cell.parse::<i64>().ok()?.cmp(&rv.parse::<i64>().ok()?))
                        } else {
                            // yyyy-MM-dd HH:mm:ss compares as text at second precision.
                            if cell == "NULL" {
                                return None;
                            }
                            Some(cell.cmp(rv.as_str()))
                        }
                    };
                    use std::cmp::Ordering::*;
                    let test: fn(std::cmp::Ordering) -> bool = match op {
                        BinaryOperator::Eq => |o| o == Equal,
                        BinaryOperator::NotEq => |o| o != Equal,
                        BinaryOperator::Lt => |o| o == Less,
                        BinaryOperator::LtEq => |o| o != Greater,
                        BinaryOperator::Gt => |o| o == Greater,
                        BinaryOperator::GtEq => |o| o != Less,
                        other => {
                            return Err(format!(
                                "Operator `{other}` is not allowed in `where` clause for column `{col}`."
                            ))
                        }
                    };
                    Ok(Box::new(move |row| {
                        cmp(row[idx].as_deref().unwrap_or("NULL")).is_some_and(test)
                    }))
                }
            }
        }
        Expr::Like {
            negated,
            expr,
            pattern,
            ..
        } => {
            let col = column_name(expr)
                .ok_or_else(|| format!("`{expr}` is not allowed in `where` clause."))?;
            let (kind, idx) = filter_column(&col)
                .ok_or_else(|| format!("Column `{col}` is not allowed in `where` clause"))?;
            if kind != FilterKind::Varchar {
                return Err(format!(
                    "Operator `LIKE` is not allowed in `where` clause for column `{col}`."
                ));
            }
            let p = literal_string(pattern).ok_or_else(|| {
                format!("Wrong RValue's type in `where` clause for column `{col}`")
            })?;
            let neg = *negated;
            Ok(Box::new(move |row| {
                like_match(row[idx].as_deref().unwrap_or(""), &p) != neg
            }))
        }
        Expr::InList {
            expr,
            list,
            negated,
        } => {
            let col = column_name(expr)
                .ok_or_else(|| format!("`{expr}` is not allowed in `where` clause."))?;
            let (_, idx) = filter_column(&col)
                .ok_or_else(|| format!("Column `{col}` is not allowed in `where` clause"))?;
            let vals: Vec<String> = list
                .iter()
                .map(literal_string)
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    format!(
                        "Only `string` values are allowed in the predicate `in()` or `not in()` for column `{col}`"
                    )
                })?;
            let neg = *negated;
            Ok(Box::new(move |row| {
                let cell = row[idx].as_deref().unwrap_or("");
                vals.iter().any(|v| v.eq_ignore_ascii_case(cell)) != neg
            }))
        }
        other => Err(format!("`{other}` is not allowed in `where` clause.")),
    }
}

/// Sorts SHOW rows by ORDER BY (filterable columns only, compared by their kind; StarRocks
/// sorts in memory too).
pub fn order_rows(
    rows: &mut [Vec<Option<String>>],
    order_by: &[OrderByExpr],
) -> Result<(), String> {
    let mut keys = Vec::new();
    for o in order_by {
        let col = column_name(&o.expr)
            .ok_or_else(|| format!("`{}` is not allowed in `order by` clause.", o.expr))?;
        let (kind, idx) = filter_column(&col)
            .ok_or_else(|| format!("Column `{col}` is not allowed in `order by` clause"))?;
        keys.push((kind, idx, o.options.asc != Some(false)));
    }
    if keys.is_empty() {
        return Ok(());
    }
    rows.sort_by(|a, b| {
        for (kind, idx, asc) in &keys {
            let (x, y) = (a[*idx].as_deref(), b[*idx].as_deref());
            let ord = match kind {
                FilterKind::Bigint => x
                    .and_then(|v| v.parse::<i64>().ok())
                    .cmp(&y.and_then(|v| v.parse::<i64>().ok())),
                FilterKind::Datetime => x.filter(|v| *v != "NULL").cmp(&y.filter(|v| *v != "NULL")),
                FilterKind::Varchar => x.cmp(&y),
            };
            let ord = if *asc { ord } else { ord.reverse() };
            if ord != std::cmp::Ordering::Equal {
                return ord;
            }
        }
        std::cmp::Ordering::Equal
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::routine_load::{try_parse, RoutineLoadStmt};

    fn show_of(sql: &str) -> crate::sql::routine_load::ShowRoutineLoad {
        match try_parse(sql).unwrap().unwrap() {
            RoutineLoadStmt::Show(s) => s,
            other => panic!("{other:?}"),
        }
    }

    fn where_of(sql: &str) -> Expr {
        show_of(sql).where_expr.unwrap()
    }

    #[test]
    fn every_filter_column_is_a_title() {
        for (name, _) in FILTER_COLUMNS {
            assert!(filter_column(name).is_some(), "{name} is not in JOB_TITLES");
        }
    }

    fn row(id: &str, name: &str, state: &str) -> Vec<Option<String>> {
        let mut r = vec![Some(String::new()); JOB_TITLES.len()];
        for (t, v) in [("Id", id), ("Name", name), ("State", state)] {
            r[JOB_TITLES.iter().position(|x| *x == t).unwrap()] = Some(v.into());
        }
        r
    }

    #[test]
    fn order_by_title_and_kind() {
        let name = JOB_TITLES.iter().position(|x| *x == "Name").unwrap();
        let mut rows = vec![
            row("9", "b", "RUNNING"),
            row("10", "a", "PAUSED"),
            row("8", "c", "PAUSED"),
        ];
        // Id compares as a number (10 after 9), not as text.
        order_rows(
            &mut rows,
            &show_of("SHOW ROUTINE LOAD ORDER BY Id DESC").order_by,
        )
        .unwrap();
        let names: Vec<_> = rows.iter().map(|r| r[name].clone().unwrap()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        order_rows(
            &mut rows,
            &show_of("SHOW ROUTINE LOAD ORDER BY State, Name DESC").order_by,
        )
        .unwrap();
        let names: Vec<_> = rows.iter().map(|r| r[name].clone().unwrap()).collect();
        assert_eq!(names, ["c", "a", "b"]);
        assert_eq!(
            order_rows(
                &mut rows,
                &show_of("SHOW ROUTINE LOAD ORDER BY Progress").order_by
            )
            .unwrap_err(),
            "Column `Progress` is not allowed in `order by` clause"
        );
    }

    #[test]
    fn show_where_filter() {
        let mut row: Vec<Option<String>> = vec![Some(String::new()); JOB_TITLES.len()];
        let mut set = |title: &str, v: &str| {
            let i = JOB_TITLES.iter().position(|t| *t == title).unwrap();
            row[i] = Some(v.into());
        };
        set("Id", "10005");
        set("Name", "job1");
        set("CreateTime", "2024-01-02 03:04:05");
        set("State", "PAUSED");
        let p = compile_where(&where_of(
            "SHOW ROUTINE LOAD WHERE State = 'paused' AND Id > 10000 AND Name LIKE 'JOB%' AND CreateTime >= '2024-01-01 00:00:00'",
        ))
        .unwrap();
        assert!(p(&row));
        let p = compile_where(&where_of("SHOW ROUTINE LOAD WHERE State IN ('RUNNING')")).unwrap();
        assert!(!p(&row));
        let err = |sql: &str| compile_where(&where_of(sql)).err().unwrap();
        assert_eq!(
            err("SHOW ROUTINE LOAD WHERE State = 'a' OR Id = 1"),
            "Only `AND` operator is allowed in compound predicates."
        );
        assert_eq!(
            err("SHOW ROUTINE LOAD WHERE Foo = 'a'"),
            "Column `Foo` is not allowed in `where` clause"
        );
        assert_eq!(
            err("SHOW ROUTINE LOAD WHERE State > 'a'"),
            "Operator `>` is not allowed in `where` clause for column `State`."
        );
        assert_eq!(
            err("SHOW ROUTINE LOAD WHERE Id = 'x'"),
            "Wrong RValue's type in `where` clause for column `Id`"
        );
        assert_eq!(
            err("SHOW ROUTINE LOAD WHERE State IN (1, 2)"),
            "Only `string` values are allowed in the predicate `in()` or `not in()` for column `State`"
        );
    }
}
