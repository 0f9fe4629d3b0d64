//! SHOW LOAD's WHERE / ORDER BY / LIMIT as StarRocks 3.4 applies them
//! (`sql/analyzer/ShowLoadStmtAnalyzer`, `qe/ShowExecutor.visitShowLoadStatement`,
//! `load/loadv2/LoadMgr.getLoadJobsByDb`):
//! - WHERE accepts `LABEL = "x"`, `LABEL LIKE "x"` and `STATE = "s"` joined by AND. `LIKE`
//!   keeps the jobs whose label *contains* the text (no wildcards: `String.contains`); `=`
//!   on a label anywhere makes every label predicate exact. The state must name a
//!   `JobState`. Anything else is StarRocks's "Where clause should looks like" error.
//! - ORDER BY takes any SHOW LOAD title (case-insensitive; `Title name[x] does not exist`
//!   otherwise); numbers compare as numbers, the rest as text. Without it rows are in JobId
//!   order.
//! - `LIMIT n OFFSET m` cuts the sorted rows.

use super::show::{NUMERIC_TITLES, SHOW_LOAD_TITLES};
use datafusion::sql::sqlparser::ast::{BinaryOperator, Expr, OrderByExpr, Value};

/// StarRocks's text for a WHERE it does not accept.
pub const BAD_WHERE: &str = "Where clause should looks like: LABEL = \"your_load_label\", or LABEL LIKE \"matcher\",  or STATE = \"PENDING|ETL|LOADING|FINISHED|CANCELLED|QUEUEING\",  or compound predicate with operator AND";

/// `JobState` names a STATE predicate may give (`JobState.valueOf`).
const JOB_STATES: [&str; 8] = [
    "UNKNOWN",
    "PENDING",
    "ETL",
    "LOADING",
    "COMMITTED",
    "FINISHED",
    "CANCELLED",
    "QUEUEING",
];

/// Why a SHOW LOAD clause was refused (the analyzer's message, sent as an analysis error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShowLoadError {
    #[error("{BAD_WHERE}")]
    BadWhere,
    #[error("Only allow compound predicate with operator AND")]
    NotAnd,
    #[error("Should order by column")]
    OrderByNotColumn,
    #[error("Title name[{0}] does not exist")]
    UnknownTitle(String),
}

/// The analyzed WHERE of SHOW LOAD.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShowLoadFilter {
    /// The label text and whether it must match exactly (else: contained).
    pub label: Option<(String, bool)>,
    /// An upper-case `JobState` name.
    pub state: Option<String>,
}

impl ShowLoadFilter {
    /// Analyzes `WHERE` (None: no filter).
    pub fn analyze(expr: Option<&Expr>) -> Result<Self, ShowLoadError> {
        let mut f = ShowLoadFilter::default();
        let mut exact = false;
        if let Some(e) = expr {
            f.sub_predicate(e, &mut exact)?;
        }
        if let Some((_, e)) = f.label.as_mut() {
            *e = exact;
        }
        Ok(f)
    }

    fn sub_predicate(&mut self, e: &Expr, exact: &mut bool) -> Result<(), ShowLoadError> {
        match e {
            Expr::Nested(inner) => self.sub_predicate(inner, exact),
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => {
                self.sub_predicate(left, exact)?;
                self.sub_predicate(right, exact)
            }
            Expr::BinaryOp {
                op: BinaryOperator::Or | BinaryOperator::Xor,
                ..
            } => Err(ShowLoadError::NotAnd),
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => match column(left).as_deref() {
                Some(c) if c.eq_ignore_ascii_case("label") => {
                    *exact = true;
                    self.label = Some((string_value(right)?, true));
                    Ok(())
                }
                Some(c) if c.eq_ignore_ascii_case("state") => {
                    let s = string_value(right)?.to_ascii_uppercase();
                    if !JOB_STATES.contains(&s.as_str()) {
                        return Err(ShowLoadError::BadWhere);
                    }
                    self.state = Some(s);
                    Ok(())
                }
                _ => Err(ShowLoadError::BadWhere),
            },
            Expr::Like {
                negated: false,
                any: false,
                expr,
                pattern,
                escape_char: None,
            } => match column(expr).as_deref() {
                Some(c) if c.eq_ignore_ascii_case("label") => {
                    self.label = Some((string_value(pattern)?, false));
                    Ok(())
                }
                _ => Err(ShowLoadError::BadWhere),
            },
            _ => Err(ShowLoadError::BadWhere),
        }
    }

    /// Whether a job with `label` in `state` passes.
    pub fn matches(&self, label: &str, state: &str) -> bool {
        let label_ok = match &self.label {
            None => true,
            Some((v, true)) => label == v,
            Some((v, false)) => label.contains(v.as_str()),
        };
        label_ok && self.state.as_deref().is_none_or(|s| s == state)
    }
}

fn column(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(i) => Some(i.value.clone()),
        Expr::CompoundIdentifier(v) => v.last().map(|i| i.value.clone()),
        _ => None,
    }
}

/// A non-empty string literal (`StringLiteral`; numbers and empty strings are refused).
fn string_value(e: &Expr) -> Result<String, ShowLoadError> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) if !s.is_empty() => {
                Ok(s.clone())
            }
            _ => Err(ShowLoadError::BadWhere),
        },
        _ => Err(ShowLoadError::BadWhere),
    }
}

/// One ORDER BY key: the title's index and whether it sorts descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderKey {
    pub index: usize,
    pub desc: bool,
}

/// Analyzes ORDER BY against the SHOW LOAD titles (`LoadProcDir.analyzeColumn`).
pub fn analyze_order_by(order_by: &[OrderByExpr]) -> Result<Vec<OrderKey>, ShowLoadError> {
    order_by
        .iter()
        .map(|o| {
            let name = column(&o.expr).ok_or(ShowLoadError::OrderByNotColumn)?;
            let index = SHOW_LOAD_TITLES
                .iter()
                .position(|t| t.eq_ignore_ascii_case(&name))
                .ok_or(ShowLoadError::UnknownTitle(name))?;
            Ok(OrderKey {
                index,
                desc: o.options.asc == Some(false),
            })
        })
        .collect()
}

/// Sorts SHOW LOAD rows: by `keys` (a stable sort, as Java's `List.sort`), or by JobId when
/// there are none (`ListComparator(0)`).
pub fn sort_rows(rows: &mut [Vec<Option<String>>], keys: &[OrderKey]) {
    let default = [OrderKey {
        index: 0,
        desc: false,
    }];
    let keys = if keys.is_empty() { &default[..] } else { keys };
    rows.sort_by(|a, b| {
        for k in keys {
            let numeric = NUMERIC_TITLES.contains(&SHOW_LOAD_TITLES[k.index]);
            let (x, y) = (a[k.index].as_deref(), b[k.index].as_deref());
            let ord = if numeric {
                let n = |v: Option<&str>| v.and_then(|s| s.parse::<i64>().ok());
                n(x).cmp(&n(y))
            } else {
                x.cmp(&y)
            };
            let ord = if k.desc { ord.reverse() } else { ord };
            if ord != std::cmp::Ordering::Equal {
                return ord;
            }
        }
        std::cmp::Ordering::Equal
    });
}

/// `LIMIT count OFFSET offset` over the sorted rows (`(offset, count)` as parsed).
pub fn limit_rows<T>(rows: Vec<T>, limit: Option<(u64, u64)>) -> Vec<T> {
    match limit {
        None => rows,
        Some((offset, count)) => rows
            .into_iter()
            .skip(offset as usize)
            .take(count as usize)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::load::{try_parse, LoadStmt};

    fn show(sql: &str) -> crate::sql::load::ShowLoad {
        match try_parse(sql).unwrap().unwrap() {
            LoadStmt::Show(s) => s,
        }
    }

    fn filter(sql: &str) -> Result<ShowLoadFilter, ShowLoadError> {
        ShowLoadFilter::analyze(show(sql).where_expr.as_ref())
    }

    #[test]
    fn where_label_and_state() {
        let f = filter("SHOW LOAD WHERE LABEL = 'l1' AND STATE = 'finished'").unwrap();
        assert_eq!(f.label, Some(("l1".into(), true)));
        assert_eq!(f.state.as_deref(), Some("FINISHED"));
        assert!(f.matches("l1", "FINISHED"));
        assert!(!f.matches("l12", "FINISHED"));
        assert!(!f.matches("l1", "CANCELLED"));
        // LIKE keeps labels containing the text, no wildcards, case-sensitive.
        let f = filter(r#"SHOW LOAD WHERE `label` LIKE "ins""#).unwrap();
        assert!(f.matches("my_insert_1", "CANCELLED"));
        assert!(!f.matches("INSERT", "FINISHED"));
        let f = filter("SHOW LOAD WHERE label LIKE 'ins%'").unwrap();
        assert!(!f.matches("insert_1", "FINISHED"));
        // An `=` on the label anywhere makes the (last) label exact.
        let f = filter("SHOW LOAD WHERE LABEL LIKE 'a' AND LABEL = 'b'").unwrap();
        assert_eq!(f.label, Some(("b".into(), true)));
        let f = filter("SHOW LOAD WHERE (STATE = 'CANCELLED')").unwrap();
        assert!(f.matches("x", "CANCELLED"));
    }

    #[test]
    fn where_refusals_are_starrocks_texts() {
        // ShowLoadStmtTest.testInvalidWhere.
        for sql in [
            "SHOW LOAD WHERE STATE = 'RUNNING'",
            "SHOW LOAD WHERE STATE != 'LOADING'",
            "SHOW LOAD WHERE STATE LIKE 'LOADING'",
            "SHOW LOAD WHERE LABEL LIKE 'abc' AND true",
            "SHOW LOAD WHERE LABEL = 123",
            "SHOW LOAD WHERE LABEL = ''",
            "SHOW LOAD WHERE JobId = '1'",
        ] {
            assert_eq!(filter(sql), Err(ShowLoadError::BadWhere), "{sql}");
        }
        assert_eq!(
            filter("SHOW LOAD WHERE LABEL = 'a' OR STATE = 'FINISHED'"),
            Err(ShowLoadError::NotAnd)
        );
        assert_eq!(
            ShowLoadError::BadWhere.to_string(),
            "Where clause should looks like: LABEL = \"your_load_label\", or LABEL LIKE \"matcher\",  or STATE = \"PENDING|ETL|LOADING|FINISHED|CANCELLED|QUEUEING\",  or compound predicate with operator AND"
        );
    }

    fn row(id: &str, label: &str, sink: &str) -> Vec<Option<String>> {
        let mut r = vec![Some(String::new()); SHOW_LOAD_TITLES.len()];
        r[0] = Some(id.into());
        r[1] = Some(label.into());
        r[9] = Some(sink.into());
        r
    }

    #[test]
    fn order_by_titles_numbers_and_limit() {
        let mut rows = vec![
            row("10010", "b", "9"),
            row("9999", "c", "10"),
            row("10020", "a", "9"),
        ];
        sort_rows(&mut rows, &[]);
        let ids: Vec<_> = rows.iter().map(|r| r[0].clone().unwrap()).collect();
        assert_eq!(ids, ["9999", "10010", "10020"]);
        let keys =
            analyze_order_by(&show("SHOW LOAD ORDER BY sinkrows DESC, Label").order_by).unwrap();
        assert_eq!(
            keys[0],
            OrderKey {
                index: 9,
                desc: true
            }
        );
        sort_rows(&mut rows, &keys);
        let labels: Vec<_> = rows.iter().map(|r| r[1].clone().unwrap()).collect();
        assert_eq!(labels, ["c", "a", "b"]);
        assert_eq!(
            analyze_order_by(&show("SHOW LOAD ORDER BY time").order_by),
            Err(ShowLoadError::UnknownTitle("time".into()))
        );
        assert_eq!(
            analyze_order_by(&show("SHOW LOAD ORDER BY 1 + 1").order_by),
            Err(ShowLoadError::OrderByNotColumn)
        );
        assert_eq!(limit_rows(vec![1, 2, 3, 4], Some((1, 2))), vec![2, 3]);
        assert_eq!(limit_rows(vec![1, 2], Some((5, 2))), Vec::<i32>::new());
        assert_eq!(limit_rows(vec![1, 2], None), vec![1, 2]);
    }
}
