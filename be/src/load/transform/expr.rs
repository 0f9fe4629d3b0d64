//! Load expressions: compiled from sqlparser's AST (MySQL dialect) and evaluated over whole
//! Arrow arrays (StarRocks `be/src/exprs/*`).
//!
//! Value kinds during evaluation: BIGINT (Int64; every integer width widens to it), DOUBLE
//! (Float64; DECIMAL inputs are evaluated as DOUBLE), VARCHAR (Utf8), BOOLEAN, DATE (Date32),
//! DATETIME (Timestamp µs, local time), NULL. Implicit conversions follow StarRocks: string vs
//! number compares as DOUBLE, arithmetic on strings parses them as DOUBLE, `/` is DOUBLE,
//! division or modulo by zero is NULL, NULL in -> NULL out (except the NULL-handling functions).
//! ARRAY (`ListArray`) and MAP (`MapArray`) values come from CAST, `[..]` literals and the
//! higher-order functions; their lambdas (`x -> x + 1`, `(x, y) -> x > y`) compile into
//! [`Expr::HigherOrder`], whose body sees its parameters first and then the outer values it
//! captures, and runs once per batch over every element (`array::Elements`).

use super::array::{self, ElementMode, Elements};
use super::func;
// The value layer's items are re-exported: `expr::ExprError` etc. are the names the planner uses.
pub use super::value::{
    binary, cast, kind, to_bool, to_date, to_f64, to_i64, to_str, to_ts, true_mask, unify, BinOp,
    CastTo, EvalCtx, ExprError, Kind,
};
use arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, StringArray,
};
use arrow::compute::kernels::{boolean, numeric, zip::zip};
use arrow::datatypes::DataType;
use sqlparser::ast::{self as sql, BinaryOperator, UnaryOperator};
use std::cell::RefCell;
use std::sync::Arc;

/// A compiled expression; columns are indexes into the evaluation environment.
#[derive(Debug, Clone)]
pub enum Expr {
    Col(usize),
    Lit(Lit),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    IsNull(Box<Expr>, bool),
    InList(Box<Expr>, Vec<Expr>, bool),
    Between(Box<Expr>, Box<Expr>, Box<Expr>, bool),
    Like(Box<Expr>, Box<Expr>, bool),
    Case {
        operand: Option<Box<Expr>>,
        whens: Vec<(Expr, Expr)>,
        else_: Option<Box<Expr>>,
    },
    Cast(Box<Expr>, CastTo),
    /// `date +/- INTERVAL n unit`: (date, amount, unit, negate).
    Interval(Box<Expr>, Box<Expr>, String, bool),
    Func(String, Vec<Expr>),
    /// A higher-order function: its lambda `body` (environment: one slot per input's element,
    /// then `captures`, indexes of the enclosing environment) over `inputs`.
    HigherOrder {
        f: HigherOrderFn,
        body: Box<Expr>,
        captures: Vec<usize>,
        inputs: Vec<Expr>,
    },
    /// `[a, b, c]`
    ArrayLit(Vec<Expr>),
    /// `arr[i]` (1-based) or `map[key]`.
    Subscript(Box<Expr>, Box<Expr>),
}

/// Functions taking a lambda (StarRocks `FunctionSet` names; `transform` is array_map's
/// alias).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HigherOrderFn {
    ArrayMap,
    ArrayFilter,
    AnyMatch,
    AllMatch,
    ArraySortBy,
    MapFilter,
}

impl HigherOrderFn {
    fn of(name: &str) -> Option<Self> {
        Some(match name {
            "array_map" | "transform" => Self::ArrayMap,
            "array_filter" => Self::ArrayFilter,
            "any_match" => Self::AnyMatch,
            "all_match" => Self::AllMatch,
            "array_sortby" => Self::ArraySortBy,
            "map_filter" => Self::MapFilter,
            _ => return None,
        })
    }

    /// The name StarRocks's runtime errors carry: the lambda forms run as array_map.
    fn runtime_name(self) -> &'static str {
        match self {
            Self::MapFilter => "map_filter",
            _ => "array_map",
        }
    }
}

/// A literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Null,
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
}

/// Parses SQL expression text with the MySQL dialect.
pub fn parse_sql_expr(text: &str) -> Result<sql::Expr, ExprError> {
    // MySQL plus lambdas, the dialect the FE parsed the same text with.
    let dialect = starload_proto::load_dialect::LoadExprDialect::default();
    let mut p = sqlparser::parser::Parser::new(&dialect).try_with_sql(text)?;
    let e = p.parse_expr()?;
    Ok(e)
}

/// Compiles an AST; `resolve` maps a column name to its environment index.
pub fn compile(e: &sql::Expr, resolve: &dyn Fn(&str) -> Option<usize>) -> Result<Expr, ExprError> {
    let c = |x: &sql::Expr| compile(x, resolve).map(Box::new);
    Ok(match e {
        sql::Expr::Identifier(id) => {
            Expr::Col(resolve(&id.value).ok_or_else(|| ExprError::UnknownColumn(id.value.clone()))?)
        }
        sql::Expr::CompoundIdentifier(ids) => {
            let name = ids.last().map(|i| i.value.clone()).unwrap_or_default();
            Expr::Col(resolve(&name).ok_or(ExprError::UnknownColumn(name))?)
        }
        sql::Expr::Value(v) => Expr::Lit(literal(&v.value)?),
        sql::Expr::Nested(x) => compile(x, resolve)?,
        sql::Expr::UnaryOp { op, expr } => match op {
            UnaryOperator::Minus => match compile(expr, resolve)? {
                Expr::Lit(Lit::Int(i)) => Expr::Lit(Lit::Int(-i)),
                Expr::Lit(Lit::Float(f)) => Expr::Lit(Lit::Float(-f)),
                x => Expr::Neg(Box::new(x)),
            },
            UnaryOperator::Plus => compile(expr, resolve)?,
            UnaryOperator::Not => Expr::Not(c(expr)?),
            other => return Err(ExprError::UnsupportedOperator(other.to_string())),
        },
        sql::Expr::BinaryOp { left, op, right } => {
            // date +/- INTERVAL
            if let (sql::Expr::Interval(iv), BinaryOperator::Plus | BinaryOperator::Minus) =
                (right.as_ref(), op)
            {
                let (amount, unit) = interval(iv, resolve)?;
                return Ok(Expr::Interval(
                    c(left)?,
                    Box::new(amount),
                    unit,
                    *op == BinaryOperator::Minus,
                ));
            }
            if let (sql::Expr::Interval(iv), BinaryOperator::Plus) = (left.as_ref(), op) {
                let (amount, unit) = interval(iv, resolve)?;
                return Ok(Expr::Interval(c(right)?, Box::new(amount), unit, false));
            }
            let op = match op {
                BinaryOperator::Plus => BinOp::Add,
                BinaryOperator::Minus => BinOp::Sub,
                BinaryOperator::Multiply => BinOp::Mul,
                BinaryOperator::Divide => BinOp::Div,
                BinaryOperator::MyIntegerDivide | BinaryOperator::DuckIntegerDivide => {
                    BinOp::IntDiv
                }
                BinaryOperator::Modulo => BinOp::Mod,
                BinaryOperator::Eq => BinOp::Eq,
                BinaryOperator::NotEq => BinOp::NotEq,
                BinaryOperator::Lt => BinOp::Lt,
                BinaryOperator::LtEq => BinOp::LtEq,
                BinaryOperator::Gt => BinOp::Gt,
                BinaryOperator::GtEq => BinOp::GtEq,
                BinaryOperator::And => BinOp::And,
                BinaryOperator::Or => BinOp::Or,
                BinaryOperator::Spaceship => BinOp::EqNullSafe,
                other => return Err(ExprError::UnsupportedOperator(other.to_string())),
            };
            Expr::Bin(op, c(left)?, c(right)?)
        }
        sql::Expr::IsNull(x) => Expr::IsNull(c(x)?, false),
        sql::Expr::IsNotNull(x) => Expr::IsNull(c(x)?, true),
        sql::Expr::IsTrue(x) => Expr::Bin(
            BinOp::EqNullSafe,
            c(x)?,
            Box::new(Expr::Lit(Lit::Bool(true))),
        ),
        sql::Expr::IsFalse(x) => Expr::Bin(
            BinOp::EqNullSafe,
            c(x)?,
            Box::new(Expr::Lit(Lit::Bool(false))),
        ),
        sql::Expr::InList {
            expr,
            list,
            negated,
        } => Expr::InList(
            c(expr)?,
            list.iter()
                .map(|x| compile(x, resolve))
                .collect::<Result<_, _>>()?,
            *negated,
        ),
        sql::Expr::Between {
            expr,
            negated,
            low,
            high,
        } => Expr::Between(c(expr)?, c(low)?, c(high)?, *negated),
        sql::Expr::Like {
            negated,
            expr,
            pattern,
            ..
        } => Expr::Like(c(expr)?, c(pattern)?, *negated),
        sql::Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => Expr::Case {
            operand: operand
                .as_deref()
                .map(|o| compile(o, resolve).map(Box::new))
                .transpose()?,
            whens: conditions
                .iter()
                .map(|w| {
                    Ok((
                        compile(&w.condition, resolve)?,
                        compile(&w.result, resolve)?,
                    ))
                })
                .collect::<Result<_, ExprError>>()?,
            else_: else_result
                .as_deref()
                .map(|o| compile(o, resolve).map(Box::new))
                .transpose()?,
        },
        sql::Expr::Cast {
            expr, data_type, ..
        } => Expr::Cast(c(expr)?, cast_target(&data_type.to_string())?),
        sql::Expr::Substring {
            expr,
            substring_from,
            substring_for,
            ..
        } => {
            let mut args = vec![compile(expr, resolve)?];
            args.push(match substring_from {
                Some(f) => compile(f, resolve)?,
                None => Expr::Lit(Lit::Int(1)),
            });
            if let Some(f) = substring_for {
                args.push(compile(f, resolve)?);
            }
            Expr::Func("substr".into(), args)
        }
        sql::Expr::Trim {
            expr,
            trim_where,
            trim_what,
            ..
        } => {
            if trim_what.is_some() {
                return Err(ExprError::TrimCharacters);
            }
            let name = match trim_where {
                Some(sql::TrimWhereField::Leading) => "ltrim",
                Some(sql::TrimWhereField::Trailing) => "rtrim",
                _ => "trim",
            };
            Expr::Func(name.into(), vec![compile(expr, resolve)?])
        }
        sql::Expr::Ceil { expr, .. } => Expr::Func("ceil".into(), vec![compile(expr, resolve)?]),
        sql::Expr::Floor { expr, .. } => Expr::Func("floor".into(), vec![compile(expr, resolve)?]),
        sql::Expr::Function(f) => {
            let name = f
                .name
                .0
                .last()
                .and_then(|p| p.as_ident())
                .map(|i| i.value.to_ascii_lowercase())
                .ok_or_else(|| ExprError::BadFunctionName(f.name.to_string()))?;
            if let Some(hof) = HigherOrderFn::of(&name) {
                if let Some(e) = compile_higher_order(hof, &name, &f.args, resolve)? {
                    return Ok(e);
                }
            }
            let mut args = Vec::new();
            if let sql::FunctionArguments::List(list) = &f.args {
                for a in &list.args {
                    let x = match a {
                        sql::FunctionArg::Unnamed(sql::FunctionArgExpr::Expr(x)) => x,
                        other => return Err(ExprError::UnsupportedArgument(other.to_string())),
                    };
                    if let sql::Expr::Interval(iv) = x {
                        // date_add(d, INTERVAL n unit)
                        let (amount, unit) = interval(iv, resolve)?;
                        args.push(amount);
                        args.push(Expr::Lit(Lit::Str(unit)));
                    } else {
                        args.push(compile(x, resolve)?);
                    }
                }
            }
            func::check(&name, args.len())?;
            Expr::Func(name, args)
        }
        sql::Expr::TypedString(ts) => {
            let s = match &ts.value.value {
                sql::Value::SingleQuotedString(s) | sql::Value::DoubleQuotedString(s) => s.clone(),
                other => other.to_string(),
            };
            let target = cast_target(&ts.data_type.to_string())?;
            Expr::Cast(Box::new(Expr::Lit(Lit::Str(s))), target)
        }
        sql::Expr::Lambda(_) => return Err(ExprError::LambdaOutsideHighOrder),
        sql::Expr::Array(a) => Expr::ArrayLit(
            a.elem
                .iter()
                .map(|x| compile(x, resolve))
                .collect::<Result<_, _>>()?,
        ),
        sql::Expr::CompoundFieldAccess { root, access_chain } => {
            let mut acc = compile(root, resolve)?;
            for a in access_chain {
                match a {
                    sql::AccessExpr::Subscript(sql::Subscript::Index { index }) => {
                        acc = Expr::Subscript(Box::new(acc), c(index)?);
                    }
                    other => return Err(ExprError::UnsupportedExpression(other.to_string())),
                }
            }
            acc
        }
        other => return Err(ExprError::UnsupportedExpression(other.to_string())),
    })
}

/// Compiles `f(lambda, inputs..)` (the lambda may stand anywhere among the arguments, as
/// StarRocks accepts `any_match(arr, x -> ..)`); None when no argument is a lambda (the
/// plain forms, e.g. `array_filter(arr, bools)`, are ordinary functions).
fn compile_higher_order(
    f: HigherOrderFn,
    name: &str,
    args: &sql::FunctionArguments,
    resolve: &dyn Fn(&str) -> Option<usize>,
) -> Result<Option<Expr>, ExprError> {
    let sql::FunctionArguments::List(list) = args else {
        return Ok(None);
    };
    let mut lambda = None;
    let mut inputs = Vec::new();
    for a in &list.args {
        let sql::FunctionArg::Unnamed(sql::FunctionArgExpr::Expr(x)) = a else {
            return Err(ExprError::UnsupportedArgument(a.to_string()));
        };
        match x {
            sql::Expr::Lambda(l) if lambda.is_none() => lambda = Some(l),
            other => inputs.push(other),
        }
    }
    let Some(lambda) = lambda else {
        return Ok(None);
    };
    if inputs.is_empty() {
        return Err(ExprError::NoInputArray(name.to_string()));
    }
    let params: Vec<String> = match &lambda.params {
        sql::OneOrManyWithParens::One(p) => vec![p.name.value.clone()],
        sql::OneOrManyWithParens::Many(ps) => ps.iter().map(|p| p.name.value.clone()).collect(),
    };
    for (i, p) in params.iter().enumerate() {
        if params[..i].iter().any(|q| q.eq_ignore_ascii_case(p)) {
            return Err(ExprError::LambdaDuplicateArgument(p.clone()));
        }
    }
    // A map's lambda takes (key, value) of its one input.
    let slots = if f == HigherOrderFn::MapFilter {
        2 * inputs.len()
    } else {
        inputs.len()
    };
    if params.len() != slots {
        return Err(ExprError::LambdaArity);
    }
    let inputs = inputs
        .into_iter()
        .enumerate()
        .map(|(i, x)| {
            let e = compile(x, resolve)?;
            // Literals that can never be arrays fail as StarRocks's analyzer fails them.
            match &e {
                Expr::Lit(Lit::Int(_) | Lit::Float(_) | Lit::Bool(_)) => {
                    Err(ExprError::LambdaInputNotArray(i + 1))
                }
                _ => Ok(e),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let captures = RefCell::new(Vec::<usize>::new());
    let inner = |n: &str| -> Option<usize> {
        if let Some(k) = params.iter().position(|p| p.eq_ignore_ascii_case(n)) {
            return Some(k);
        }
        let outer = resolve(n)?;
        let mut c = captures.borrow_mut();
        let at = match c.iter().position(|x| *x == outer) {
            Some(at) => at,
            None => {
                c.push(outer);
                c.len() - 1
            }
        };
        Some(params.len() + at)
    };
    let body = compile(&lambda.body, &inner)?;
    Ok(Some(Expr::HigherOrder {
        f,
        body: Box::new(body),
        captures: captures.into_inner(),
        inputs,
    }))
}

/// Evaluates a higher-order function: the inputs' elements end to end, the body once over
/// all of them, then the function's reduction back to rows.
fn eval_higher_order(
    f: HigherOrderFn,
    body: &Expr,
    captures: &[usize],
    inputs: &[Expr],
    ctx: &EvalCtx,
) -> Result<ArrayRef, ExprError> {
    let elems = if f == HigherOrderFn::MapFilter {
        let m = eval(&inputs[0], ctx)?;
        let m = match m.data_type() {
            DataType::Map(_, _) => m.as_map().clone(),
            DataType::Utf8 => array::parse_maps(m.as_string::<i32>()),
            DataType::Null => array::parse_maps(&StringArray::new_null(m.len())),
            _ => return Err(ExprError::LambdaInputNotArray(1)),
        };
        Elements::of_map(&m)
    } else {
        let lists = inputs
            .iter()
            .enumerate()
            .map(|(i, x)| array::as_list(&eval(x, ctx)?, i + 1))
            .collect::<Result<Vec<_>, _>>()?;
        Elements::of(&lists, f.runtime_name())?
    };
    let mut env = elems.args.clone();
    for &c in captures {
        env.push(arrow::compute::take(
            ctx.env[c].as_ref(),
            &elems.row_of,
            None,
        )?);
    }
    let results = eval(
        body,
        &EvalCtx {
            env: &env,
            rows: elems.row_of.len(),
            tz: ctx.tz,
            now_utc_secs: ctx.now_utc_secs,
        },
    )?;
    Ok(match f {
        HigherOrderFn::ArrayMap => elems.map(results),
        HigherOrderFn::ArrayFilter => elems.filter(&results)?,
        HigherOrderFn::AnyMatch => elems.matches(&results, true),
        HigherOrderFn::AllMatch => elems.matches(&results, false),
        HigherOrderFn::ArraySortBy => elems.sort_by(&results)?,
        HigherOrderFn::MapFilter => elems.filter_map(&results)?,
    })
}

/// `[a, b, c]` over a batch: row r holds every element's value at r.
fn eval_array_lit(elems: &[Expr], ctx: &EvalCtx) -> Result<ArrayRef, ExprError> {
    let n = ctx.rows;
    let k = elems.len();
    let vals = unify(
        elems
            .iter()
            .map(|x| eval(x, ctx))
            .collect::<Result<Vec<_>, _>>()?,
    );
    let values = if k == 0 {
        new_null_array(&DataType::Null, 0)
    } else {
        let refs: Vec<&dyn Array> = vals.iter().map(|a| a.as_ref()).collect();
        let idx: Vec<(usize, usize)> = (0..n).flat_map(|r| (0..k).map(move |j| (j, r))).collect();
        arrow::compute::interleave(&refs, &idx)?
    };
    let offsets = (0..=n).map(|r| (r * k) as i32).collect();
    Ok(Arc::new(array::list_of(offsets, None, values)))
}

/// CAST to ARRAY<..> or MAP<..>.
fn cast_nested(a: &ArrayRef, to: &CastTo) -> Result<ArrayRef, ExprError> {
    // A JSON or VARCHAR value (an ARRAY or MAP prints as its JSON-like text first).
    let text = || to_str(a);
    Ok(match to {
        CastTo::Map => Arc::new(array::parse_maps(&text())),
        CastTo::Array(elem) => {
            let l = match (a.data_type(), elem.as_ref()) {
                (DataType::List(_), CastTo::Json) => {
                    array::parse_lists(&to_str(a), ElementMode::Json)
                }
                (DataType::List(_), _) => a.as_list::<i32>().clone(),
                (_, CastTo::Json) => array::parse_lists(&text(), ElementMode::Json),
                _ => array::parse_lists(&text(), ElementMode::Infer),
            };
            let values = match elem.as_ref() {
                CastTo::Json => l.values().clone(),
                nested @ (CastTo::Array(_) | CastTo::Map) => cast_nested(l.values(), nested)?,
                scalar => cast(l.values(), scalar)?,
            };
            Arc::new(array::list_of(
                l.value_offsets().to_vec(),
                l.nulls().cloned(),
                values,
            ))
        }
        other => cast(a, other)?,
    })
}

fn interval(
    iv: &sql::Interval,
    resolve: &dyn Fn(&str) -> Option<usize>,
) -> Result<(Expr, String), ExprError> {
    let unit = iv
        .leading_field
        .as_ref()
        .map(|f| f.to_string().to_ascii_lowercase())
        .unwrap_or_else(|| "day".into());
    Ok((compile(&iv.value, resolve)?, unit))
}

fn literal(v: &sql::Value) -> Result<Lit, ExprError> {
    Ok(match v {
        sql::Value::Number(n, _) => {
            if let Ok(i) = n.parse::<i64>() {
                Lit::Int(i)
            } else {
                Lit::Float(n.parse::<f64>()?)
            }
        }
        sql::Value::SingleQuotedString(s) | sql::Value::DoubleQuotedString(s) => {
            Lit::Str(s.clone())
        }
        sql::Value::Boolean(b) => Lit::Bool(*b),
        sql::Value::Null => Lit::Null,
        other => return Err(ExprError::UnsupportedLiteral(other.to_string())),
    })
}

/// Maps a CAST type name (sqlparser's rendering) to a target.
pub fn cast_target(t: &str) -> Result<CastTo, ExprError> {
    let u = t.to_ascii_uppercase();
    let base = u.split('(').next().unwrap_or("").trim();
    Ok(match base {
        "TINYINT" | "SMALLINT" | "INT" | "INTEGER" | "BIGINT" | "LARGEINT" | "SIGNED"
        | "SIGNED INTEGER" | "UNSIGNED" | "UNSIGNED INTEGER" => CastTo::Int,
        "FLOAT" | "DOUBLE" | "REAL" | "DOUBLE PRECISION" => CastTo::Float,
        "DECIMAL" | "DECIMALV2" | "DECIMAL32" | "DECIMAL64" | "DECIMAL128" | "NUMERIC" => {
            let inner = u
                .split_once('(')
                .map(|(_, r)| r.trim_end_matches(')'))
                .unwrap_or("");
            let mut it = inner.split(',').map(|x| x.trim().parse::<u8>().ok());
            let p = it.next().flatten().unwrap_or(10);
            let s = it.next().flatten().unwrap_or(0);
            CastTo::Decimal(p.clamp(1, 38), s.min(p) as i8)
        }
        "VARCHAR" | "CHAR" | "STRING" | "TEXT" => CastTo::Str,
        "BOOLEAN" | "BOOL" => CastTo::Bool,
        "DATE" => CastTo::Date,
        "DATETIME" | "TIMESTAMP" => CastTo::Datetime,
        "JSON" => CastTo::Json,
        _ if u.starts_with("ARRAY<") && u.ends_with('>') => {
            CastTo::Array(Box::new(cast_target(&t[6..t.len() - 1])?))
        }
        _ if u.starts_with("MAP<") || u.starts_with("MAP(") => CastTo::Map,
        _ => return Err(ExprError::InvalidType(t.to_string())),
    })
}

/// Evaluates `e` into an array of `ctx.rows` values.
pub fn eval(e: &Expr, ctx: &EvalCtx) -> Result<ArrayRef, ExprError> {
    let n = ctx.rows;
    Ok(match e {
        Expr::Col(i) => ctx.env[*i].clone(),
        Expr::Lit(l) => lit_array(l, n),
        Expr::Neg(x) => {
            let a = eval(x, ctx)?;
            match kind(a.data_type()) {
                Kind::Int => numeric::neg_wrapping(&to_i64(&a))?,
                _ => numeric::neg(&to_f64(&a))?,
            }
        }
        Expr::Not(x) => Arc::new(boolean::not(&to_bool(&eval(x, ctx)?))?),
        Expr::Bin(op, l, r) => binary(*op, &eval(l, ctx)?, &eval(r, ctx)?)?,
        Expr::IsNull(x, negated) => {
            let a = eval(x, ctx)?;
            let v = if *negated {
                arrow::compute::is_not_null(&a)
            } else {
                arrow::compute::is_null(&a)
            };
            Arc::new(v?)
        }
        Expr::InList(x, list, negated) => {
            let a = eval(x, ctx)?;
            let mut acc: Option<BooleanArray> = None;
            for item in list {
                let b = eval(item, ctx)?;
                let eqv = to_bool(&binary(BinOp::Eq, &a, &b)?);
                acc = Some(match acc {
                    None => eqv,
                    Some(p) => boolean::or_kleene(&p, &eqv)?,
                });
            }
            let acc = acc.unwrap_or_else(|| BooleanArray::from(vec![false; n]));
            if *negated {
                Arc::new(boolean::not(&acc)?)
            } else {
                Arc::new(acc)
            }
        }
        Expr::Between(x, lo, hi, negated) => {
            let a = eval(x, ctx)?;
            let ge = to_bool(&binary(BinOp::GtEq, &a, &eval(lo, ctx)?)?);
            let le = to_bool(&binary(BinOp::LtEq, &a, &eval(hi, ctx)?)?);
            let both = boolean::and_kleene(&ge, &le)?;
            if *negated {
                Arc::new(boolean::not(&both)?)
            } else {
                Arc::new(both)
            }
        }
        Expr::Like(x, p, negated) => {
            let a = to_str(&eval(x, ctx)?);
            let p = to_str(&eval(p, ctx)?);
            let r = if *negated {
                arrow::compute::kernels::comparison::nlike(&a, &p)
            } else {
                arrow::compute::kernels::comparison::like(&a, &p)
            };
            Arc::new(r?)
        }
        Expr::Case {
            operand,
            whens,
            else_,
        } => {
            let op = operand.as_ref().map(|o| eval(o, ctx)).transpose()?;
            let mut conds = Vec::with_capacity(whens.len());
            let mut vals = Vec::with_capacity(whens.len() + 1);
            for (w, t) in whens {
                let c = eval(w, ctx)?;
                let c = match &op {
                    Some(o) => to_bool(&binary(BinOp::Eq, o, &c)?),
                    None => to_bool(&c),
                };
                conds.push(c);
                vals.push(eval(t, ctx)?);
            }
            vals.push(match else_ {
                Some(x) => eval(x, ctx)?,
                None => new_null_array(&DataType::Null, n),
            });
            let vals = unify(vals);
            let mut acc = vals[vals.len() - 1].clone();
            for i in (0..conds.len()).rev() {
                let mask = true_mask(&conds[i]);
                acc = zip(&mask, &vals[i], &acc)?;
            }
            acc
        }
        Expr::Cast(x, to @ (CastTo::Array(_) | CastTo::Map)) => cast_nested(&eval(x, ctx)?, to)?,
        Expr::Cast(x, to) => cast(&eval(x, ctx)?, to)?,
        Expr::HigherOrder {
            f,
            body,
            captures,
            inputs,
        } => eval_higher_order(*f, body, captures, inputs, ctx)?,
        Expr::ArrayLit(elems) => eval_array_lit(elems, ctx)?,
        Expr::Subscript(a, i) => array::element_at(&eval(a, ctx)?, &eval(i, ctx)?)?,
        Expr::Interval(d, amount, unit, negate) => {
            let d = eval(d, ctx)?;
            let a = eval(amount, ctx)?;
            func::date_add(&d, &a, unit, *negate)?
        }
        Expr::Func(name, args) => {
            let vals = args
                .iter()
                .map(|a| eval(a, ctx))
                .collect::<Result<Vec<_>, _>>()?;
            func::call(name, &vals, ctx)?
        }
    })
}

/// A constant as an array of `n` values.
pub fn lit_array(l: &Lit, n: usize) -> ArrayRef {
    match l {
        Lit::Null => new_null_array(&DataType::Null, n),
        Lit::Int(i) => Arc::new(Int64Array::from_value(*i, n)),
        Lit::Float(f) => Arc::new(Float64Array::from_value(*f, n)),
        Lit::Str(s) => Arc::new(StringArray::from_iter_values(std::iter::repeat_n(
            s.as_str(),
            n,
        ))),
        Lit::Bool(b) => Arc::new(BooleanArray::from(vec![*b; n])),
    }
}
#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::load::transform::datetime::JobTz;

    pub(crate) fn run(sql: &str, cols: &[(&str, ArrayRef)]) -> ArrayRef {
        let e = parse_sql_expr(sql).unwrap();
        let names: Vec<&str> = cols.iter().map(|c| c.0).collect();
        let x = compile(&e, &|n| {
            names.iter().position(|c| c.eq_ignore_ascii_case(n))
        })
        .unwrap();
        let env: Vec<ArrayRef> = cols.iter().map(|c| c.1.clone()).collect();
        let rows = env.first().map(|a| a.len()).unwrap_or(1);
        eval(
            &x,
            &EvalCtx {
                env: &env,
                rows,
                tz: JobTz::parse("Asia/Shanghai").unwrap(),
                now_utc_secs: 1_589_191_487,
            },
        )
        .unwrap()
    }

    fn strs(a: &ArrayRef) -> Vec<Option<String>> {
        to_str(a).iter().map(|v| v.map(|s| s.to_string())).collect()
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_string())
    }

    #[test]
    fn arithmetic_and_null_rules() {
        let a: ArrayRef = Arc::new(Int64Array::from(vec![Some(7), None, Some(3)]));
        let t: ArrayRef = Arc::new(StringArray::from(vec![Some("1.5"), Some("x"), None]));
        assert_eq!(
            strs(&run("a + 1", &[("a", a.clone())])),
            vec![s("8"), None, s("4")]
        );
        assert_eq!(
            strs(&run("a / 2", &[("a", a.clone())])),
            vec![s("3.5"), None, s("1.5")]
        );
        assert_eq!(
            strs(&run("a / 0", &[("a", a.clone())])),
            vec![None, None, None]
        );
        assert_eq!(
            strs(&run("a % 4", &[("a", a.clone())])),
            vec![s("3"), None, s("3")]
        );
        assert_eq!(
            strs(&run("a DIV 2", &[("a", a.clone())])),
            vec![s("3"), None, s("1")]
        );
        assert_eq!(
            strs(&run("t * 2", &[("t", t.clone())])),
            vec![s("3"), None, None]
        );
        assert_eq!(strs(&run("-a", &[("a", a)])), vec![s("-7"), None, s("-3")]);
    }

    #[test]
    fn comparisons_logic_case() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![Some("10"), Some("9"), None]));
        assert_eq!(
            strs(&run("a > 9", &[("a", a.clone())])),
            vec![s("1"), s("0"), None]
        );
        assert_eq!(
            strs(&run("a > '9'", &[("a", a.clone())])),
            vec![s("0"), s("0"), None]
        );
        assert_eq!(
            strs(&run("a IS NULL OR a = 9", &[("a", a.clone())])),
            vec![s("0"), s("1"), s("1")]
        );
        assert_eq!(
            strs(&run("a in (1, 10)", &[("a", a.clone())])),
            vec![s("1"), s("0"), None]
        );
        assert_eq!(
            strs(&run("a between 9 and 9", &[("a", a.clone())])),
            vec![s("0"), s("1"), None]
        );
        assert_eq!(
            strs(&run("a like '1%'", &[("a", a.clone())])),
            vec![s("1"), s("0"), None]
        );
        assert_eq!(
            strs(&run(
                "CASE WHEN a > 9 THEN 'big' WHEN a IS NULL THEN 'none' ELSE 'small' END",
                &[("a", a.clone())]
            )),
            vec![s("big"), s("small"), s("none")]
        );
        assert_eq!(
            strs(&run("CASE a WHEN '9' THEN 1 END", &[("a", a.clone())])),
            vec![None, s("1"), None]
        );
        assert_eq!(
            strs(&run("a <=> NULL", &[("a", a)])),
            vec![s("0"), s("0"), s("1")]
        );
    }

    #[test]
    fn casts() {
        let a: ArrayRef = Arc::new(StringArray::from(vec![
            Some("12.7"),
            Some("abc"),
            Some("2020-05-08"),
        ]));
        assert_eq!(
            strs(&run("cast(a as int)", &[("a", a.clone())])),
            vec![s("12"), None, None]
        );
        assert_eq!(
            strs(&run("cast(a as double)", &[("a", a.clone())])),
            vec![s("12.7"), None, None]
        );
        assert_eq!(
            strs(&run("cast(a as date)", &[("a", a.clone())])),
            vec![None, None, s("2020-05-08")]
        );
        assert_eq!(
            strs(&run("cast(a as datetime)", &[("a", a.clone())])),
            vec![None, None, s("2020-05-08 00:00:00")]
        );
        assert_eq!(
            strs(&run("cast(a as decimal(5,2))", &[("a", a)])),
            vec![s("12.70"), None, None]
        );
    }

    fn compile_err(sql: &str, cols: &[&str]) -> String {
        let e = parse_sql_expr(sql).unwrap();
        compile(&e, &|n| cols.iter().position(|c| c.eq_ignore_ascii_case(n)))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    fn texts(v: &[Option<&str>]) -> ArrayRef {
        Arc::new(StringArray::from(v.to_vec()))
    }

    #[test]
    fn lambdas_over_json_array_texts() {
        let arr = texts(&[Some("[1, 2, null]"), None, Some("[]"), Some("not an array")]);
        assert_eq!(
            strs(&run("array_map(x -> x + 1, arr)", &[("arr", arr.clone())])),
            vec![s("[2,3,null]"), None, s("[]"), None]
        );
        assert_eq!(
            strs(&run(
                "array_filter(x -> x > 1, arr)",
                &[("arr", arr.clone())]
            )),
            vec![s("[2]"), None, s("[]"), None]
        );
        // Three-valued: a NULL element without a deciding one makes NULL.
        assert_eq!(
            strs(&run("any_match(x -> x > 1, arr)", &[("arr", arr.clone())])),
            vec![s("1"), None, s("0"), None]
        );
        assert_eq!(
            strs(&run("all_match(x -> x > 0, arr)", &[("arr", arr.clone())])),
            vec![None, None, s("1"), None]
        );
        // The lambda may follow the array, as StarRocks accepts.
        assert_eq!(
            strs(&run("any_match(arr, x -> x IS NULL)", &[("arr", arr)])),
            vec![s("1"), None, s("0"), None]
        );
    }

    #[test]
    fn lambdas_capture_outer_columns_and_nest() {
        let arr = texts(&[Some("[3, 1, 2]"), Some("[5]")]);
        let k: ArrayRef = Arc::new(Int64Array::from(vec![10, 20]));
        assert_eq!(
            strs(&run(
                "array_map(x -> x * k, arr)",
                &[("arr", arr.clone()), ("k", k.clone())]
            )),
            vec![s("[30,10,20]"), s("[100]")]
        );
        assert_eq!(
            strs(&run("array_sortby(x -> -x, arr)", &[("arr", arr.clone())])),
            vec![s("[3,2,1]"), s("[5]")]
        );
        assert_eq!(
            strs(&run(
                "array_sortby(arr, [3, 1, 2])",
                &[("arr", texts(&[Some("[\"a\",\"b\",\"c\"]")]))]
            )),
            vec![s("[\"b\",\"c\",\"a\"]")]
        );
        assert_eq!(
            strs(&run(
                "array_map(x -> array_map(y -> x + y + k, arr), arr)",
                &[
                    ("arr", texts(&[Some("[1, 2]")])),
                    ("k", Arc::new(Int64Array::from(vec![100])))
                ]
            )),
            vec![s("[[102,103],[103,104]]")]
        );
        assert_eq!(
            strs(&run(
                "array_map((x, y) -> x + y, a, b)",
                &[
                    ("a", texts(&[Some("[1, 2]"), None])),
                    ("b", texts(&[Some("[10, 20]"), Some("[1]")])),
                ]
            )),
            vec![s("[11,22]"), None]
        );
        assert_eq!(
            strs(&run("[1, 2, 3][2]", &[("a", k)])),
            vec![s("2"), s("2")]
        );
    }

    #[test]
    fn lambda_errors_are_starrocks_texts() {
        assert_eq!(
            compile_err("array_map((x, y) -> x + y, arr)", &["arr"]),
            "Lambda arguments should equal to lambda input arrays"
        );
        assert_eq!(
            compile_err("array_map((x, x) -> x, a, b)", &["a", "b"]),
            "Lambda argument: x is duplicated"
        );
        assert_eq!(
            compile_err("array_map(x -> x, 5)", &[]),
            "1th lambda input should be arrays"
        );
        assert_eq!(
            compile_err("abs(x -> x)", &[]),
            "Lambda Functions can only be used in high-order functions with arrays/maps"
        );
        assert_eq!(
            compile_err("any_match()", &[]),
            "any_match should have a input array"
        );
        let e = parse_sql_expr("array_map((x, y) -> x + y, a, b)").unwrap();
        let x = compile(&e, &|n| ["a", "b"].iter().position(|c| *c == n)).unwrap();
        let env = vec![texts(&[Some("[1, 2]")]), texts(&[Some("[1]")])];
        let err = eval(
            &x,
            &EvalCtx {
                env: &env,
                rows: 1,
                tz: JobTz::parse("UTC").unwrap(),
                now_utc_secs: 0,
            },
        )
        .err()
        .unwrap();
        assert_eq!(
            err.to_string(),
            "Input array element's size is not equal in array_map()."
        );
    }

    /// StarRocks's SQL test `test_routine_load_lambda`: JSON arrays and maps filtered by a
    /// lambda, then indexed.
    #[test]
    fn starrocks_lambda_test_columns() {
        let tmp1 = texts(&[Some(
            r#"[{"type":"type0","vid":"v0"},{"type":"type1","vid":"vid1"}]"#,
        )]);
        let tmp2 = texts(&[Some(
            r#"{"a":{"type":"type2","cid":"c2"},"b":{"type":"type1","cid":"cid1"}}"#,
        )]);
        assert_eq!(
            strs(&run(
                "get_json_string(array_filter(item -> get_json_string(item, '$.type')='type1', CAST(parse_json(tmp1) AS ARRAY<JSON>))[1], '$.vid')",
                &[("tmp1", tmp1)]
            )),
            vec![s("vid1")]
        );
        assert_eq!(
            strs(&run(
                "get_json_string(map_values((map_filter((k, v)->get_json_string(v, '$.type')='type1',cast(parse_json(tmp2) AS map<string,json>))))[1],'$.cid')",
                &[("tmp2", tmp2)]
            )),
            vec![s("cid1")]
        );
    }
}
