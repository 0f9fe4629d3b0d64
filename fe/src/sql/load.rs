//! The load statement family (StarRocks.g4 `showLoadStatement`):
//!
//! ```text
//! SHOW LOAD [FROM db] [WHERE expr] [ORDER BY item, ...] [LIMIT n | LIMIT m, n | LIMIT n OFFSET m]
//! ```
//!
//! The WHERE and ORDER BY stay expressions; `load_job::show_filter` analyzes them as
//! StarRocks's `ShowLoadStmtAnalyzer` does (after the database is known).

use crate::error::{SqlError, SqlResult};
use datafusion::sql::sqlparser::ast::{Expr, OrderByExpr};
use datafusion::sql::sqlparser::dialect::MySqlDialect;
use datafusion::sql::sqlparser::parser::{Parser, ParserError};
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

/// SHOW LOAD.
#[derive(Debug, Clone, PartialEq)]
pub struct ShowLoad {
    pub from_db: Option<String>,
    pub where_expr: Option<Expr>,
    pub order_by: Vec<OrderByExpr>,
    /// (offset, count)
    pub limit: Option<(u64, u64)>,
}

/// A parsed load statement.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadStmt {
    Show(ShowLoad),
}

/// Returns None when `sql` is not a statement of this family (`SHOW LOAD WARNINGS` and
/// `SHOW LOAD PROFILE` are not: they fall through to the other families).
pub fn try_parse(sql: &str) -> Option<SqlResult<LoadStmt>> {
    let words: Vec<String> = sql
        .split(|c: char| c.is_whitespace() || c == ';')
        .filter(|w| !w.is_empty())
        .take(3)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    if w(0) != "SHOW" || w(1) != "LOAD" || matches!(w(2), "WARNINGS" | "PROFILE") {
        return None;
    }
    Some(parse(sql))
}

fn syntax(e: ParserError) -> SqlError {
    let msg = e.to_string();
    let msg = msg.strip_prefix("sql parser error: ").unwrap_or(&msg);
    SqlError::syntax("", msg)
}

fn parse(sql: &str) -> SqlResult<LoadStmt> {
    let dialect = MySqlDialect {};
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| SqlError::syntax("", &e.to_string()))?;
    let mut p = Parser::new(&dialect).with_tokens_with_locations(tokens);
    let word = |p: &mut Parser, w: &str| -> bool {
        let ok = matches!(&p.peek_token().token,
            Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w));
        if ok {
            p.next_token();
        }
        ok
    };
    let expect = |p: &mut Parser, w: &str| -> SqlResult<()> {
        if word(p, w) {
            Ok(())
        } else {
            Err(syntax(ParserError::ParserError(format!(
                "Expected: {w}, found: {}",
                p.peek_token()
            ))))
        }
    };
    expect(&mut p, "SHOW")?;
    expect(&mut p, "LOAD")?;
    let from_db = if word(&mut p, "FROM") {
        Some(p.parse_identifier().map_err(syntax)?.value)
    } else {
        None
    };
    let where_expr = if word(&mut p, "WHERE") {
        Some(p.parse_expr().map_err(syntax)?)
    } else {
        None
    };
    let mut order_by = Vec::new();
    if word(&mut p, "ORDER") {
        expect(&mut p, "BY")?;
        order_by = p
            .parse_comma_separated(Parser::parse_order_by_expr)
            .map_err(syntax)?;
    }
    let mut limit = None;
    if word(&mut p, "LIMIT") {
        let a = p.parse_literal_uint().map_err(syntax)?;
        limit = Some(if p.consume_token(&Token::Comma) {
            (a, p.parse_literal_uint().map_err(syntax)?)
        } else if word(&mut p, "OFFSET") {
            (p.parse_literal_uint().map_err(syntax)?, a)
        } else {
            (0, a)
        });
    }
    while p.consume_token(&Token::SemiColon) {}
    if p.peek_token().token != Token::EOF {
        return Err(syntax(ParserError::ParserError(format!(
            "Expected: end of statement, found: {}",
            p.peek_token()
        ))));
    }
    Ok(LoadStmt::Show(ShowLoad {
        from_db,
        where_expr,
        order_by,
        limit,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(sql: &str) -> ShowLoad {
        match try_parse(sql).unwrap().unwrap() {
            LoadStmt::Show(s) => s,
        }
    }

    #[test]
    fn parses_every_clause() {
        let s = show(
            r#"show load from `d1` where LABEL = "x" and state = 'FINISHED' order by CreateTime desc, JobId limit 2 offset 1"#,
        );
        assert_eq!(s.from_db.as_deref(), Some("d1"));
        assert_eq!(
            s.where_expr.unwrap().to_string(),
            r#"LABEL = "x" AND state = 'FINISHED'"#
        );
        assert_eq!(s.order_by.len(), 2);
        assert_eq!(s.order_by[0].options.asc, Some(false));
        assert_eq!(s.limit, Some((1, 2)));
        assert_eq!(show("SHOW LOAD LIMIT 3, 4").limit, Some((3, 4)));
        assert_eq!(show("SHOW LOAD LIMIT 5;").limit, Some((0, 5)));
        assert_eq!(
            show("SHOW LOAD"),
            ShowLoad {
                from_db: None,
                where_expr: None,
                order_by: vec![],
                limit: None
            }
        );
    }

    #[test]
    fn other_statements_are_not_ours() {
        assert!(try_parse("SHOW LOAD WARNINGS").is_none());
        assert!(try_parse("SHOW ROUTINE LOAD").is_none());
        assert!(try_parse("SHOW LOADS").is_none());
        let e = try_parse("SHOW LOAD FROM d garbage").unwrap().unwrap_err();
        assert!(e.message.starts_with("Getting syntax error"), "{e:?}");
    }
}
