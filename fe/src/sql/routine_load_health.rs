//! Parser for starload's own routine-load health statements (issue 16; StarRocks has none of
//! them, so its grammar rejects each with a syntax error and no StarRocks text is pinned):
//! - `SHOW ROUTINE LOAD TXN FOR [db.]job [LIMIT n]`: the offset ledger;
//! - `SHOW ROUTINE LOAD LAG [FOR [db.]job] [FROM db]`: lag per partition;
//! - `PREVIEW ROUTINE LOAD <the body of CREATE ROUTINE LOAD> [LIMIT n]`: a dry run.
//!
//! Checked before the routine load family (`sql::routine_load`), which would otherwise take
//! every `SHOW ROUTINE LOAD ...`.

use super::routine_load::{CreateRoutineLoad, JobRef, RoutineLoadStmt};
use crate::error::{SqlError, SqlResult};
use datafusion::sql::sqlparser::dialect::MySqlDialect;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

/// The default and largest number of messages PREVIEW reads.
pub const PREVIEW_DEFAULT_LIMIT: u64 = 10;
pub const PREVIEW_MAX_LIMIT: u64 = 1000;

/// A parsed health statement.
#[derive(Debug, Clone, PartialEq)]
pub enum HealthStmt {
    ShowTxn {
        job: JobRef,
        limit: Option<u64>,
    },
    ShowLag {
        job: Option<JobRef>,
        from_db: Option<String>,
    },
    Preview {
        create: Box<CreateRoutineLoad>,
        limit: u64,
    },
}

/// None when `sql` is not one of these statements.
pub fn try_parse(sql: &str) -> Option<SqlResult<HealthStmt>> {
    let words: Vec<String> = sql
        .split_whitespace()
        .take(4)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    if w(0) == "SHOW" && w(1) == "ROUTINE" && w(2) == "LOAD" && (w(3) == "TXN" || w(3) == "LAG") {
        return Some(parse_show(sql));
    }
    if w(0) == "PREVIEW" && w(1) == "ROUTINE" && w(2) == "LOAD" {
        return Some(parse_preview(sql));
    }
    None
}

fn syntax(detail: &str) -> SqlError {
    SqlError::syntax("", detail)
}

fn unexpected(t: Option<&Token>) -> SqlError {
    let shown = match t {
        None | Some(Token::EOF) => "<EOF>".to_string(),
        Some(t) => t.to_string(),
    };
    syntax(&format!("Unexpected input '{shown}'"))
}

struct Words {
    toks: Vec<Token>,
    at: usize,
}

impl Words {
    fn new(sql: &str) -> SqlResult<Self> {
        let toks = Tokenizer::new(&MySqlDialect {}, sql)
            .tokenize()
            .map_err(|e| syntax(&e.to_string()))?
            .into_iter()
            .filter(|t| !matches!(t, Token::Whitespace(_) | Token::SemiColon))
            .collect();
        Ok(Self { toks, at: 0 })
    }

    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.at)
    }

    fn keyword(&mut self, k: &str) -> bool {
        match self.peek() {
            Some(Token::Word(w)) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k) => {
                self.at += 1;
                true
            }
            _ => false,
        }
    }

    fn expect(&mut self, k: &str) -> SqlResult<()> {
        if self.keyword(k) {
            Ok(())
        } else {
            Err(unexpected(self.peek()))
        }
    }

    fn ident(&mut self) -> SqlResult<String> {
        match self.peek() {
            Some(Token::Word(w)) => {
                let v = w.value.clone();
                self.at += 1;
                Ok(v)
            }
            t => Err(unexpected(t)),
        }
    }

    fn job_ref(&mut self) -> SqlResult<JobRef> {
        let first = self.ident()?;
        if matches!(self.peek(), Some(Token::Period)) {
            self.at += 1;
            let name = self.ident()?;
            return Ok(JobRef {
                db: Some(first),
                name,
            });
        }
        Ok(JobRef {
            db: None,
            name: first,
        })
    }

    fn uint(&mut self) -> SqlResult<u64> {
        match self.peek() {
            Some(Token::Number(n, _)) => {
                let v = n.parse::<u64>().map_err(|_| unexpected(self.peek()))?;
                self.at += 1;
                Ok(v)
            }
            t => Err(unexpected(t)),
        }
    }

    fn end(&self) -> SqlResult<()> {
        match self.peek() {
            None | Some(Token::EOF) => Ok(()),
            t => Err(unexpected(t)),
        }
    }
}

fn parse_show(sql: &str) -> SqlResult<HealthStmt> {
    let mut w = Words::new(sql)?;
    w.expect("SHOW")?;
    w.expect("ROUTINE")?;
    w.expect("LOAD")?;
    if w.keyword("TXN") {
        w.expect("FOR")?;
        let job = w.job_ref()?;
        let limit = if w.keyword("LIMIT") {
            Some(w.uint()?)
        } else {
            None
        };
        w.end()?;
        return Ok(HealthStmt::ShowTxn { job, limit });
    }
    w.expect("LAG")?;
    let job = if w.keyword("FOR") {
        Some(w.job_ref()?)
    } else {
        None
    };
    let from_db = if w.keyword("FROM") {
        Some(w.ident()?)
    } else {
        None
    };
    w.end()?;
    Ok(HealthStmt::ShowLag { job, from_db })
}

/// `PREVIEW ROUTINE LOAD <body> [LIMIT n]`: the body is parsed by the CREATE grammar itself
/// (so its errors are CREATE's), the trailing LIMIT by us. A CREATE body ends with the
/// closing parenthesis of `FROM KAFKA (...)`, so a final `LIMIT <n>` cannot be part of it.
fn parse_preview(sql: &str) -> SqlResult<HealthStmt> {
    let trimmed = sql.trim().trim_end_matches(';').trim_end();
    let (body, limit) = split_limit(trimmed)?;
    let rest = body
        .trim_start()
        .get("PREVIEW".len()..)
        .ok_or_else(|| syntax("Unexpected input '<EOF>'"))?;
    let create_sql = format!("CREATE{rest}");
    let stmt = super::routine_load::try_parse(&create_sql)
        .ok_or_else(|| syntax("Unexpected input 'PREVIEW'"))??;
    let RoutineLoadStmt::Create(mut create) = stmt else {
        return Err(syntax("Unexpected input 'PREVIEW'"));
    };
    create.origin_sql = sql.to_string();
    let limit = limit.unwrap_or(PREVIEW_DEFAULT_LIMIT);
    if limit == 0 || limit > PREVIEW_MAX_LIMIT {
        return Err(SqlError::analyzing(format!(
            "PREVIEW ROUTINE LOAD LIMIT must be between 1 and {PREVIEW_MAX_LIMIT}"
        )));
    }
    Ok(HealthStmt::Preview {
        create: Box::new(create),
        limit,
    })
}

/// Splits a trailing `LIMIT <digits>` off `sql`.
fn split_limit(sql: &str) -> SqlResult<(&str, Option<u64>)> {
    let digits_start = sql
        .rfind(|c: char| !c.is_ascii_digit())
        .map(|i| i + 1)
        .unwrap_or(0);
    if digits_start == sql.len() {
        return Ok((sql, None));
    }
    let before = sql[..digits_start].trim_end();
    let Some(kw_start) = before.len().checked_sub(5) else {
        return Ok((sql, None));
    };
    let kw = &before[kw_start..];
    let sep_ok = before[..kw_start]
        .chars()
        .last()
        .is_some_and(|c| c.is_whitespace() || c == ')');
    if !kw.eq_ignore_ascii_case("LIMIT") || !sep_ok || before.len() == digits_start {
        return Ok((sql, None));
    }
    let n = sql[digits_start..]
        .parse::<u64>()
        .map_err(|e| syntax(&e.to_string()))?;
    Ok((&before[..kw_start], Some(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(sql: &str) -> SqlResult<HealthStmt> {
        try_parse(sql).expect("ours")
    }

    #[test]
    fn show_txn_and_lag() {
        assert_eq!(
            parse("SHOW ROUTINE LOAD TXN FOR db1.j1 LIMIT 5;").unwrap(),
            HealthStmt::ShowTxn {
                job: JobRef {
                    db: Some("db1".into()),
                    name: "j1".into()
                },
                limit: Some(5)
            }
        );
        assert_eq!(
            parse("show routine load lag").unwrap(),
            HealthStmt::ShowLag {
                job: None,
                from_db: None
            }
        );
        assert_eq!(
            parse("SHOW ROUTINE LOAD LAG FOR `j-1` FROM d").unwrap(),
            HealthStmt::ShowLag {
                job: Some(JobRef {
                    db: None,
                    name: "j-1".into()
                }),
                from_db: Some("d".into())
            }
        );
        assert!(parse("SHOW ROUTINE LOAD TXN j1").is_err());
        assert!(parse("SHOW ROUTINE LOAD LAG FOR j1 extra").is_err());
        assert!(try_parse("SHOW ROUTINE LOAD TASK WHERE JobName='x'").is_none());
        assert!(try_parse("SHOW ROUTINE LOAD").is_none());
    }

    #[test]
    fn preview_takes_the_create_body_and_a_limit() {
        let body = r#"PREVIEW ROUTINE LOAD d.j ON t COLUMNS TERMINATED BY ",", COLUMNS (a, b)
            FROM KAFKA ("kafka_broker_list" = "h:1", "kafka_topic" = "LIMIT 3")"#;
        match parse(&format!("{body} LIMIT 7;")).unwrap() {
            HealthStmt::Preview { create, limit } => {
                assert_eq!(limit, 7);
                assert_eq!(create.job.name, "j");
                assert_eq!(create.table, "t");
                assert!(create
                    .source_properties
                    .contains(&("kafka_topic".into(), "LIMIT 3".into())));
            }
            other => panic!("{other:?}"),
        }
        match parse(body).unwrap() {
            HealthStmt::Preview { limit, .. } => assert_eq!(limit, PREVIEW_DEFAULT_LIMIT),
            other => panic!("{other:?}"),
        }
        assert!(parse(&format!("{body} LIMIT 0")).is_err());
        assert!(parse("PREVIEW ROUTINE LOAD j ON").is_err());
    }
}
