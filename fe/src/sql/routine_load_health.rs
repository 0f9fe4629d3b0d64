//! Parser for starload's own routine-load health statements (issue 16; StarRocks has none of
//! them, so its grammar rejects each with a syntax error and no StarRocks text is pinned):
//! - `SHOW ROUTINE LOAD TXN FOR [db.]job [LIMIT n]`: the offset ledger;
//! - `SHOW ROUTINE LOAD LAG [FOR [db.]job] [FROM db]`: lag per partition;
//! - `PREVIEW ROUTINE LOAD <the body of CREATE ROUTINE LOAD> [LIMIT n]`: a dry run;
//! - `REPLAY ROUTINE LOAD REJECTED FOR [db.]job [WHERE <filter>]` (issue 17): re-feeds the
//!   job's rejected rows through its current mapping. The filter is a conjunction (AND) of
//!   `PARTITION = n`, `PARTITION IN (n, ...)`, `OFFSET BETWEEN a AND b` and `OFFSET op n`
//!   (op one of `= < <= > >=`); `KAFKA_PARTITION` / `KAFKA_OFFSET` (the ledger table's column
//!   names) are accepted for the two columns.
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
    Replay {
        job: JobRef,
        filter: ReplayFilter,
    },
}

/// Which rejected rows a REPLAY takes: the intersection of its predicates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayFilter {
    /// None = every partition.
    pub partitions: Option<Vec<i32>>,
    /// Inclusive offset bounds.
    pub offset_min: Option<i64>,
    pub offset_max: Option<i64>,
}

impl ReplayFilter {
    /// Whether a row at (`partition`, `offset`) is taken.
    pub fn matches(&self, partition: i32, offset: i64) -> bool {
        self.partitions
            .as_ref()
            .is_none_or(|ps| ps.contains(&partition))
            && self.offset_min.is_none_or(|m| offset >= m)
            && self.offset_max.is_none_or(|m| offset <= m)
    }

    fn only_partitions(&mut self, ps: Vec<i32>) {
        self.partitions = Some(match self.partitions.take() {
            Some(old) => old.into_iter().filter(|p| ps.contains(p)).collect(),
            None => ps,
        });
    }

    fn at_least(&mut self, o: i64) {
        self.offset_min = Some(self.offset_min.map_or(o, |m| m.max(o)));
    }

    fn at_most(&mut self, o: i64) {
        self.offset_max = Some(self.offset_max.map_or(o, |m| m.min(o)));
    }
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
    if w(0) == "REPLAY" && w(1) == "ROUTINE" && w(2) == "LOAD" {
        return Some(parse_replay(sql));
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

    fn int(&mut self) -> SqlResult<i64> {
        let neg = matches!(self.peek(), Some(Token::Minus));
        if neg {
            self.at += 1;
        }
        let v = self.uint()?;
        let v = i64::try_from(v).map_err(|_| unexpected(self.toks.get(self.at - 1)))?;
        Ok(if neg { -v } else { v })
    }

    fn token(&mut self, t: &Token) -> bool {
        if self.peek() == Some(t) {
            self.at += 1;
            true
        } else {
            false
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

/// `REPLAY ROUTINE LOAD REJECTED FOR [db.]job [WHERE <filter>]`.
fn parse_replay(sql: &str) -> SqlResult<HealthStmt> {
    let mut w = Words::new(sql)?;
    w.expect("REPLAY")?;
    w.expect("ROUTINE")?;
    w.expect("LOAD")?;
    w.expect("REJECTED")?;
    w.expect("FOR")?;
    let job = w.job_ref()?;
    let mut filter = ReplayFilter::default();
    if w.keyword("WHERE") {
        loop {
            replay_predicate(&mut w, &mut filter)?;
            if !w.keyword("AND") {
                break;
            }
        }
    }
    w.end()?;
    Ok(HealthStmt::Replay { job, filter })
}

fn replay_predicate(w: &mut Words, f: &mut ReplayFilter) -> SqlResult<()> {
    let col = match w.peek() {
        Some(Token::Word(x)) => x.value.to_ascii_uppercase(),
        t => return Err(unexpected(t)),
    };
    let is_partition = match col.as_str() {
        "PARTITION" | "KAFKA_PARTITION" => true,
        "OFFSET" | "KAFKA_OFFSET" => false,
        _ => {
            return Err(SqlError::analyzing(format!(
                "REPLAY ROUTINE LOAD REJECTED can filter on PARTITION and OFFSET only, not {col}"
            )))
        }
    };
    w.at += 1;
    let partition = |v: i64| {
        i32::try_from(v).map_err(|_| SqlError::analyzing(format!("invalid partition {v}")))
    };
    if w.keyword("IN") {
        if !w.token(&Token::LParen) {
            return Err(unexpected(w.peek()));
        }
        let mut vals = vec![w.int()?];
        while w.token(&Token::Comma) {
            vals.push(w.int()?);
        }
        if !w.token(&Token::RParen) {
            return Err(unexpected(w.peek()));
        }
        if is_partition {
            f.only_partitions(vals.into_iter().map(partition).collect::<Result<_, _>>()?);
        } else {
            // Offsets IN (...) as a range would take rows between them: not offered.
            return Err(SqlError::analyzing(
                "OFFSET IN (...) is not supported; use OFFSET BETWEEN a AND b",
            ));
        }
        return Ok(());
    }
    if w.keyword("BETWEEN") {
        let lo = w.int()?;
        w.expect("AND")?;
        let hi = w.int()?;
        if is_partition {
            f.only_partitions((lo..=hi).map(partition).collect::<Result<_, _>>()?);
        } else {
            f.at_least(lo);
            f.at_most(hi);
        }
        return Ok(());
    }
    let op = w.peek().cloned();
    w.at += 1;
    let v = w.int()?;
    match (op, is_partition) {
        (Some(Token::Eq), true) => f.only_partitions(vec![partition(v)?]),
        (Some(Token::Eq), false) => {
            f.at_least(v);
            f.at_most(v);
        }
        (Some(Token::Gt), false) => f.at_least(v.saturating_add(1)),
        (Some(Token::GtEq), false) => f.at_least(v),
        (Some(Token::Lt), false) => f.at_most(v.saturating_sub(1)),
        (Some(Token::LtEq), false) => f.at_most(v),
        (op, _) => return Err(unexpected(op.as_ref())),
    }
    Ok(())
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

    #[test]
    fn replay_takes_a_job_and_a_partition_offset_filter() {
        assert_eq!(
            parse("REPLAY ROUTINE LOAD REJECTED FOR d.j;").unwrap(),
            HealthStmt::Replay {
                job: JobRef {
                    db: Some("d".into()),
                    name: "j".into()
                },
                filter: ReplayFilter::default()
            }
        );
        let HealthStmt::Replay { job, filter } = parse(
            "replay routine load rejected for `j-1` where partition = 0 and offset between 3 and 9",
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(job.name, "j-1");
        assert_eq!(
            filter,
            ReplayFilter {
                partitions: Some(vec![0]),
                offset_min: Some(3),
                offset_max: Some(9)
            }
        );
        assert!(filter.matches(0, 3) && filter.matches(0, 9));
        assert!(!filter.matches(0, 10) && !filter.matches(1, 5));
        let HealthStmt::Replay { filter, .. } = parse(
            "REPLAY ROUTINE LOAD REJECTED FOR j WHERE KAFKA_PARTITION IN (1, 2) AND KAFKA_OFFSET > 4 \
             AND OFFSET <= 8 AND PARTITION = 2",
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(
            filter,
            ReplayFilter {
                partitions: Some(vec![2]),
                offset_min: Some(5),
                offset_max: Some(8)
            }
        );
        assert!(parse("REPLAY ROUTINE LOAD REJECTED j").is_err());
        assert!(parse("REPLAY ROUTINE LOAD REJECTED FOR j WHERE reason = 1").is_err());
        assert!(parse("REPLAY ROUTINE LOAD REJECTED FOR j WHERE offset IN (1)").is_err());
        assert!(parse("REPLAY ROUTINE LOAD REJECTED FOR j WHERE partition = 1 OR").is_err());
        assert!(parse("REPLAY ROUTINE LOAD REJECTED FOR j WHERE").is_err());
    }
}
