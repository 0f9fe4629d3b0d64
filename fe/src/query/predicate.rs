//! Filter pushdown: the conjuncts DataFusion offers a scan that have the shape
//! `column op literal` (either side), `column IS NULL` or `column IS NOT NULL` become
//! `ScanPredicate`s for the BE. Literals travel as text in the same format query results use
//! (DATE `YYYY-MM-DD`, DATETIME `YYYY-MM-DD HH:MM:SS[.ffffff]`, decimals with their scale,
//! BOOLEAN 1/0). Anything else stays in DataFusion only.

use super::format::format_column;
use datafusion::arrow::datatypes::Schema;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{BinaryExpr, Expr, Operator};
use starload_proto::be::{CompareOp, ScanPredicate};

/// The pushable conjuncts of `filters` (each filter is split on AND).
pub fn scan_predicates(filters: &[Expr], schema: &Schema) -> Vec<ScanPredicate> {
    let mut out = Vec::new();
    for f in filters {
        collect(f, schema, &mut out);
    }
    out
}

fn collect(e: &Expr, schema: &Schema, out: &mut Vec<ScanPredicate>) {
    match e {
        Expr::BinaryExpr(BinaryExpr {
            left,
            op: Operator::And,
            right,
        }) => {
            collect(left, schema, out);
            collect(right, schema, out);
        }
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => {
            let (col, lit, op) = match (left.as_ref(), right.as_ref()) {
                (Expr::Column(c), Expr::Literal(v, _)) => (c, v, Some(*op)),
                (Expr::Literal(v, _), Expr::Column(c)) => (c, v, op.swap()),
                _ => return,
            };
            let Some(op) = op.and_then(compare_op) else {
                return;
            };
            if schema.field_with_name(&col.name).is_err() || lit.is_null() {
                return;
            }
            if let Some(text) = literal_text(lit) {
                out.push(ScanPredicate {
                    column: col.name.clone(),
                    op: op as i32,
                    literal: text,
                });
            }
        }
        Expr::IsNull(inner) | Expr::IsNotNull(inner) => {
            if let Expr::Column(c) = inner.as_ref() {
                if schema.field_with_name(&c.name).is_ok() {
                    let op = if matches!(e, Expr::IsNull(_)) {
                        CompareOp::IsNull
                    } else {
                        CompareOp::IsNotNull
                    };
                    out.push(ScanPredicate {
                        column: c.name.clone(),
                        op: op as i32,
                        literal: String::new(),
                    });
                }
            }
        }
        _ => {}
    }
}

fn compare_op(op: Operator) -> Option<CompareOp> {
    Some(match op {
        Operator::Eq => CompareOp::Eq,
        Operator::NotEq => CompareOp::Ne,
        Operator::Lt => CompareOp::Lt,
        Operator::LtEq => CompareOp::Le,
        Operator::Gt => CompareOp::Gt,
        Operator::GtEq => CompareOp::Ge,
        _ => return None,
    })
}

fn literal_text(v: &ScalarValue) -> Option<String> {
    let arr = v.to_array().ok()?;
    format_column(&arr).ok()?.into_iter().next().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::{DataType, Field};
    use datafusion::logical_expr::{col, lit};

    #[test]
    fn simple_conjuncts_are_pushed() {
        let schema = Schema::new(vec![
            Field::new("k", DataType::Int32, true),
            Field::new("d", DataType::Date32, true),
            Field::new("s", DataType::Utf8, true),
        ]);
        let filters = vec![
            col("k").gt(lit(5i32)).and(col("s").is_not_null()),
            lit(10i32).gt_eq(col("k")),
            lit(ScalarValue::Date32(Some(19723))).eq(col("d")),
            // Not pushable: function of a column, OR, unknown column.
            col("k").eq(lit(1i32)).or(col("k").eq(lit(2i32))),
            col("nope").eq(lit(1i32)),
        ];
        let got = scan_predicates(&filters, &schema);
        let show: Vec<(String, i32, String)> = got
            .into_iter()
            .map(|p| (p.column, p.op, p.literal))
            .collect();
        assert_eq!(
            show,
            vec![
                ("k".into(), CompareOp::Gt as i32, "5".into()),
                ("s".into(), CompareOp::IsNotNull as i32, "".into()),
                ("k".into(), CompareOp::Le as i32, "10".into()),
                ("d".into(), CompareOp::Eq as i32, "2024-01-01".into()),
            ]
        );
    }
}
