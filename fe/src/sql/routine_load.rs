//! Parser for the routine load statement family (spec §1, StarRocks.g4): CREATE / ALTER /
//! PAUSE / RESUME / STOP ROUTINE LOAD, SHOW [ALL] ROUTINE LOAD, SHOW ROUTINE LOAD TASK and
//! SHOW CREATE ROUTINE LOAD. Tokens and expressions come from sqlparser (MySQL dialect with
//! StarRocks's lambdas, `starload_proto::load_dialect`, the one the BE evaluates with); the
//! statement grammar is ours. Expressions of COLUMNS and WHERE are kept as StarRocks prints
//! them (`Expr.toSql()`: identifiers in backquotes, strings in single quotes), which is what
//! SHOW displays and what the BE evaluates.

use crate::error::{SqlError, SqlResult};
use crate::routine_load::load_desc::include_metadata::{self, MetadataItem};
use crate::routine_load::load_desc::{ColumnItem, LoadDesc, PartitionNames};
use datafusion::sql::sqlparser::ast::{
    AccessExpr, ArrayElemTypeDef, DataType as SqlType, Expr, FunctionArg, FunctionArgExpr,
    FunctionArguments, OneOrManyWithParens, OrderByExpr, Subscript, UnaryOperator, Value,
};
use datafusion::sql::sqlparser::parser::{Parser, ParserError};
use datafusion::sql::sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};
use starload_proto::load_dialect::LoadExprDialect;

/// `[db.]name` of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRef {
    pub db: Option<String>,
    pub name: String,
}

/// CREATE ROUTINE LOAD.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateRoutineLoad {
    pub job: JobRef,
    pub table: String,
    pub load: LoadDesc,
    /// PROPERTIES in statement order.
    pub properties: Vec<(String, String)>,
    /// The source type as written (upper-cased by the analyzer).
    pub source: String,
    pub source_properties: Vec<(String, String)>,
    /// The statement text.
    pub origin_sql: String,
}

/// ALTER ROUTINE LOAD.
#[derive(Debug, Clone, PartialEq)]
pub struct AlterRoutineLoad {
    pub job: JobRef,
    pub load: LoadDesc,
    pub properties: Vec<(String, String)>,
    pub source: Option<String>,
    pub source_properties: Vec<(String, String)>,
}

/// SHOW [ALL] ROUTINE LOAD.
#[derive(Debug, Clone, PartialEq)]
pub struct ShowRoutineLoad {
    pub all: bool,
    pub job: Option<JobRef>,
    pub from_db: Option<String>,
    pub where_expr: Option<Expr>,
    pub order_by: Vec<OrderByExpr>,
    /// (offset, count)
    pub limit: Option<(u64, u64)>,
}

/// SHOW ROUTINE LOAD TASK.
#[derive(Debug, Clone, PartialEq)]
pub struct ShowRoutineLoadTask {
    pub from_db: Option<String>,
    pub where_expr: Option<Expr>,
}

/// A parsed routine load statement.
#[derive(Debug, Clone, PartialEq)]
pub enum RoutineLoadStmt {
    Create(CreateRoutineLoad),
    Alter(AlterRoutineLoad),
    Pause(JobRef),
    Resume(JobRef),
    Stop(JobRef),
    Show(ShowRoutineLoad),
    ShowTask(ShowRoutineLoadTask),
    ShowCreate(JobRef),
}

/// Returns None when `sql` is not a statement of this family.
pub fn try_parse(sql: &str) -> Option<SqlResult<RoutineLoadStmt>> {
    let words: Vec<String> = sql
        .split(|c: char| c.is_whitespace() || c == '(' || c == ';')
        .filter(|w| !w.is_empty())
        .take(4)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    let ours = match w(0) {
        "CREATE" | "ALTER" | "PAUSE" | "RESUME" | "STOP" => w(1) == "ROUTINE" && w(2) == "LOAD",
        "SHOW" => {
            (w(1) == "ROUTINE" && w(2) == "LOAD")
                || (w(1) == "ALL" && w(2) == "ROUTINE" && w(3) == "LOAD")
                || (w(1) == "CREATE" && w(2) == "ROUTINE" && w(3) == "LOAD")
        }
        _ => false,
    };
    if !ours {
        return None;
    }
    Some(parse(sql))
}

fn parse(sql: &str) -> SqlResult<RoutineLoadStmt> {
    let dialect = LoadExprDialect::default();
    // Strings are kept raw and unescaped by StarRocks's rules (`unescape_sr`), so that
    // `'\x01'` stays a hex delimiter.
    let tokens = Tokenizer::new(&dialect, sql)
        .with_unescape(false)
        .tokenize_with_location()
        .map_err(|e| SqlError::syntax("", &e.to_string()))?;
    let parser = Parser::new(&dialect).with_tokens_with_locations(tokens);
    let mut p = RlParser { p: parser, sql };
    let stmt = p.statement()?;
    p.expect_end()?;
    Ok(stmt)
}

fn syntax_from_parser(e: &ParserError) -> SqlError {
    let msg = e.to_string();
    let msg = msg
        .strip_prefix("sql parser error: ")
        .unwrap_or(&msg)
        .to_string();
    SqlError::syntax("", &msg)
}

struct RlParser<'a> {
    p: Parser<'a>,
    sql: &'a str,
}

impl RlParser<'_> {
    fn peek(&self) -> TokenWithSpan {
        self.p.peek_token()
    }

    fn unexpected(&self) -> SqlError {
        let t = self.peek();
        let shown = match &t.token {
            Token::EOF => "<EOF>".to_string(),
            tok => tok.to_string(),
        };
        SqlError::syntax(
            &format!(
                " from line {}, column {} to line {}, column {}",
                t.span.start.line,
                t.span.start.column.saturating_sub(1),
                t.span.end.line,
                t.span.end.column.saturating_sub(1)
            ),
            &format!("Unexpected input '{shown}'"),
        )
    }

    fn peek_word(&self, w: &str) -> bool {
        matches!(&self.peek().token, Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w))
    }

    fn peek_word_at(&self, n: usize, w: &str) -> bool {
        matches!(&self.p.peek_nth_token(n).token, Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w))
    }

    fn word(&mut self, w: &str) -> bool {
        if self.peek_word(w) {
            self.p.next_token();
            true
        } else {
            false
        }
    }

    fn expect_word(&mut self, w: &str) -> SqlResult<()> {
        if self.word(w) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn token(&mut self, t: &Token) -> bool {
        self.p.consume_token(t)
    }

    fn expect_token(&mut self, t: &Token) -> SqlResult<()> {
        if self.token(t) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn expect_end(&mut self) -> SqlResult<()> {
        while self.token(&Token::SemiColon) {}
        if matches!(self.peek().token, Token::EOF) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn identifier(&mut self) -> SqlResult<String> {
        match self.peek().token {
            Token::Word(w) => {
                self.p.next_token();
                Ok(w.value)
            }
            _ => Err(self.unexpected()),
        }
    }

    /// `[db.]name`
    fn job_ref(&mut self) -> SqlResult<JobRef> {
        let first = self.identifier()?;
        if self.token(&Token::Period) {
            let name = self.identifier()?;
            Ok(JobRef {
                db: Some(first),
                name,
            })
        } else {
            Ok(JobRef {
                db: None,
                name: first,
            })
        }
    }

    fn string(&mut self) -> SqlResult<String> {
        match self.peek().token {
            Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => {
                self.p.next_token();
                Ok(unescape_sr(&s))
            }
            _ => Err(self.unexpected()),
        }
    }

    fn statement(&mut self) -> SqlResult<RoutineLoadStmt> {
        if self.word("CREATE") {
            self.expect_word("ROUTINE")?;
            self.expect_word("LOAD")?;
            return self.create().map(RoutineLoadStmt::Create);
        }
        if self.word("ALTER") {
            self.expect_word("ROUTINE")?;
            self.expect_word("LOAD")?;
            self.expect_word("FOR")?;
            return self.alter().map(RoutineLoadStmt::Alter);
        }
        for (kw, f) in [
            (
                "PAUSE",
                RoutineLoadStmt::Pause as fn(JobRef) -> RoutineLoadStmt,
            ),
            ("RESUME", RoutineLoadStmt::Resume),
            ("STOP", RoutineLoadStmt::Stop),
        ] {
            if self.word(kw) {
                self.expect_word("ROUTINE")?;
                self.expect_word("LOAD")?;
                self.expect_word("FOR")?;
                return Ok(f(self.job_ref()?));
            }
        }
        self.expect_word("SHOW")?;
        if self.word("CREATE") {
            self.expect_word("ROUTINE")?;
            self.expect_word("LOAD")?;
            return Ok(RoutineLoadStmt::ShowCreate(self.job_ref()?));
        }
        let all = self.word("ALL");
        self.expect_word("ROUTINE")?;
        self.expect_word("LOAD")?;
        if !all && self.peek_word("TASK") {
            self.p.next_token();
            let from_db = self.from_db()?;
            let where_expr = self.where_clause()?;
            return Ok(RoutineLoadStmt::ShowTask(ShowRoutineLoadTask {
                from_db,
                where_expr,
            }));
        }
        let job = if self.word("FOR") {
            Some(self.job_ref()?)
        } else {
            None
        };
        let from_db = self.from_db()?;
        let where_expr = self.where_clause()?;
        let mut order_by = Vec::new();
        if self.peek_word("ORDER") && self.peek_word_at(1, "BY") {
            self.p.next_token();
            self.p.next_token();
            order_by = self
                .p
                .parse_comma_separated(Parser::parse_order_by_expr)
                .map_err(|e| syntax_from_parser(&e))?;
        }
        let mut limit = None;
        if self.word("LIMIT") {
            let a = self.uint()?;
            if self.token(&Token::Comma) {
                let b = self.uint()?;
                limit = Some((a, b));
            } else if self.word("OFFSET") {
                let o = self.uint()?;
                limit = Some((o, a));
            } else {
                limit = Some((0, a));
            }
        }
        Ok(RoutineLoadStmt::Show(ShowRoutineLoad {
            all,
            job,
            from_db,
            where_expr,
            order_by,
            limit,
        }))
    }

    fn uint(&mut self) -> SqlResult<u64> {
        self.p
            .parse_literal_uint()
            .map_err(|e| syntax_from_parser(&e))
    }

    #[allow(clippy::wrong_self_convention)] // parses an optional `FROM db`; not a conversion
    fn from_db(&mut self) -> SqlResult<Option<String>> {
        if self.word("FROM") {
            Ok(Some(self.identifier()?))
        } else {
            Ok(None)
        }
    }

    fn where_clause(&mut self) -> SqlResult<Option<Expr>> {
        if self.word("WHERE") {
            Ok(Some(self.expr()?))
        } else {
            Ok(None)
        }
    }

    fn expr(&mut self) -> SqlResult<Expr> {
        self.p.parse_expr().map_err(|e| syntax_from_parser(&e))
    }

    /// An expression of COLUMNS or WHERE: lambdas are checked as StarRocks's analyzer does.
    fn load_expr(&mut self) -> SqlResult<Expr> {
        let e = self.expr()?;
        super::lambda_check::check(&e).map_err(SqlError::analyzing)?;
        Ok(e)
    }

    fn create(&mut self) -> SqlResult<CreateRoutineLoad> {
        let job = self.job_ref()?;
        self.expect_word("ON")?;
        let mut table = self.identifier()?;
        if self.token(&Token::Period) {
            table = self.identifier()?;
        }
        let load = self.load_properties()?;
        let properties = if self.word("PROPERTIES") {
            self.property_list()?
        } else {
            Vec::new()
        };
        self.expect_word("FROM")?;
        let source = self.identifier()?;
        let source_properties = if matches!(self.peek().token, Token::LParen) {
            self.property_list()?
        } else {
            Vec::new()
        };
        Ok(CreateRoutineLoad {
            job,
            table,
            load,
            properties,
            source,
            source_properties,
            origin_sql: self.sql.to_string(),
        })
    }

    fn alter(&mut self) -> SqlResult<AlterRoutineLoad> {
        let job = self.job_ref()?;
        let load = self.load_properties()?;
        let properties = if self.word("PROPERTIES") {
            self.property_list()?
        } else {
            Vec::new()
        };
        let (source, source_properties) = if self.word("FROM") {
            let s = self.identifier()?;
            (Some(s), self.property_list()?)
        } else {
            (None, Vec::new())
        };
        Ok(AlterRoutineLoad {
            job,
            load,
            properties,
            source,
            source_properties,
        })
    }

    /// `( "k" = "v", ... )`
    fn property_list(&mut self) -> SqlResult<Vec<(String, String)>> {
        self.expect_token(&Token::LParen)?;
        let mut out = Vec::new();
        if self.token(&Token::RParen) {
            return Ok(out);
        }
        loop {
            let k = self.string()?;
            self.expect_token(&Token::Eq)?;
            let v = self.string()?;
            out.push((k, v));
            if self.token(&Token::Comma) {
                continue;
            }
            self.expect_token(&Token::RParen)?;
            return Ok(out);
        }
    }

    /// `loadProperties (, loadProperties)*`, each kind at most once (CreateRoutineLoadStmt
    /// buildLoadDesc messages).
    fn load_properties(&mut self) -> SqlResult<LoadDesc> {
        let mut d = LoadDesc::default();
        loop {
            if self.peek_word("COLUMNS") && self.peek_word_at(1, "TERMINATED") {
                self.p.next_token();
                self.p.next_token();
                self.expect_word("BY")?;
                let s = self.string()?;
                if d.column_separator.is_some() {
                    return Err(SqlError::analyzing("repeat setting of column separator"));
                }
                d.column_separator = Some(s);
            } else if self.peek_word("ROWS") && self.peek_word_at(1, "TERMINATED") {
                self.p.next_token();
                self.p.next_token();
                self.expect_word("BY")?;
                let s = self.string()?;
                if d.row_delimiter.is_some() {
                    return Err(SqlError::analyzing("repeat setting of row delimiter"));
                }
                d.row_delimiter = Some(s);
            } else if self.peek_word("COLUMNS")
                && matches!(self.p.peek_nth_token(1).token, Token::LParen)
            {
                self.p.next_token();
                let cols = self.columns()?;
                if d.columns.is_some() {
                    return Err(SqlError::analyzing("repeat setting of columns info"));
                }
                d.columns = Some(cols);
            } else if self.peek_word("INCLUDE") && self.peek_word_at(1, "METADATA") {
                self.p.next_token();
                self.p.next_token();
                let items = self.include_metadata()?;
                if d.metadata.is_some() {
                    return Err(SqlError::analyzing("repeat setting of include metadata"));
                }
                d.metadata = Some(items);
            } else if self.peek_word("WHERE") {
                self.p.next_token();
                let e = self.load_expr()?;
                if contains_subquery(&e) {
                    return Err(SqlError::analyzing(
                        "the predicate cannot contain subqueries",
                    ));
                }
                if d.where_sql.is_some() {
                    return Err(SqlError::analyzing("repeat setting of where predicate"));
                }
                d.where_sql = Some(expr_to_sql(&e));
            } else if self.peek_word("PARTITION")
                || self.peek_word("PARTITIONS")
                || (self.peek_word("TEMPORARY")
                    && (self.peek_word_at(1, "PARTITION") || self.peek_word_at(1, "PARTITIONS")))
            {
                let temporary = self.word("TEMPORARY");
                self.p.next_token();
                let mut names = Vec::new();
                let paren = self.token(&Token::LParen);
                loop {
                    let n = match self.peek().token {
                        Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => {
                            self.p.next_token();
                            s
                        }
                        _ => self.identifier()?,
                    };
                    names.push(n);
                    // Without parentheses a comma may also separate load properties.
                    if paren && self.token(&Token::Comma) {
                        continue;
                    }
                    if !paren && self.peek().token == Token::Comma {
                        if let Token::Word(w) = self.p.peek_nth_token(1).token {
                            let next = w.value.to_ascii_uppercase();
                            if !matches!(
                                next.as_str(),
                                "COLUMNS"
                                    | "ROWS"
                                    | "WHERE"
                                    | "PARTITION"
                                    | "PARTITIONS"
                                    | "TEMPORARY"
                                    | "INCLUDE"
                            ) {
                                self.p.next_token();
                                continue;
                            }
                        }
                    }
                    break;
                }
                if paren {
                    self.expect_token(&Token::RParen)?;
                }
                if d.partitions.is_some() {
                    return Err(SqlError::analyzing("repeat setting of partition names"));
                }
                d.partitions = Some(PartitionNames { temporary, names });
            } else {
                break;
            }
            if !self.token(&Token::Comma) {
                break;
            }
        }
        Ok(d)
    }

    /// `( KEY AS alias [, ...] )` after INCLUDE METADATA (StarRocks 4.1, #73840).
    fn include_metadata(&mut self) -> SqlResult<Vec<MetadataItem>> {
        self.expect_token(&Token::LParen)?;
        let mut out = Vec::new();
        loop {
            let key = self.identifier()?.to_ascii_uppercase();
            self.expect_word("AS")?;
            let alias = self.identifier()?;
            out.push(MetadataItem { key, alias });
            if self.token(&Token::Comma) {
                continue;
            }
            self.expect_token(&Token::RParen)?;
            break;
        }
        include_metadata::check(&out).map_err(SqlError::analyzing)?;
        Ok(out)
    }

    fn columns(&mut self) -> SqlResult<Vec<ColumnItem>> {
        self.expect_token(&Token::LParen)?;
        let mut out = Vec::new();
        loop {
            let name = self.identifier()?;
            let expr = if self.token(&Token::Eq) {
                Some(expr_to_sql(&self.load_expr()?))
            } else {
                None
            };
            out.push(ColumnItem { name, expr });
            if self.token(&Token::Comma) {
                continue;
            }
            self.expect_token(&Token::RParen)?;
            return Ok(out);
        }
    }
}

/// StarRocks's string-literal unescaping: the usual backslash escapes; an unknown escape
/// (such as `\x` of a hex delimiter) keeps its backslash.
pub fn unescape_sr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('0') => out.push('\0'),
            Some('Z') => out.push('\u{1a}'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn contains_subquery(e: &Expr) -> bool {
    let s = format!("{e:?}");
    s.contains("Subquery") || s.contains("Exists")
}

/// A CAST target as StarRocks writes it: `ARRAY<..>` and `MAP<.., ..>` in angle brackets
/// (sqlparser prints a map as `Map(..)`, which the BE's dialect would not read back).
fn type_sql(t: &SqlType) -> String {
    match t {
        SqlType::Map(k, v) => format!("MAP<{},{}>", type_sql(k), type_sql(v)),
        SqlType::Array(ArrayElemTypeDef::AngleBracket(e)) => format!("ARRAY<{}>", type_sql(e)),
        other => other.to_string(),
    }
}

/// StarRocks `Expr.toSql()` for the expressions used in COLUMNS and WHERE.
pub fn expr_to_sql(e: &Expr) -> String {
    match e {
        Expr::Identifier(i) => format!("`{}`", i.value),
        Expr::CompoundIdentifier(parts) => parts
            .iter()
            .map(|i| format!("`{}`", i.value))
            .collect::<Vec<_>>()
            .join("."),
        Expr::Value(v) => match &v.value {
            // Tokens are raw (escapes as written), so they print back unchanged.
            Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) => format!("'{s}'"),
            Value::Number(n, _) => n.to_string(),
            Value::Null => "NULL".into(),
            Value::Boolean(b) => if *b { "TRUE" } else { "FALSE" }.into(),
            other => other.to_string(),
        },
        Expr::Nested(inner) => format!("({})", expr_to_sql(inner)),
        Expr::BinaryOp { left, op, right } => {
            format!("{} {} {}", expr_to_sql(left), op, expr_to_sql(right))
        }
        Expr::UnaryOp { op, expr } => match op {
            UnaryOperator::Not => format!("NOT {}", expr_to_sql(expr)),
            UnaryOperator::Minus => format!("-{}", expr_to_sql(expr)),
            UnaryOperator::Plus => expr_to_sql(expr),
            _ => e.to_string(),
        },
        Expr::IsNull(x) => format!("{} IS NULL", expr_to_sql(x)),
        Expr::IsNotNull(x) => format!("{} IS NOT NULL", expr_to_sql(x)),
        Expr::InList {
            expr,
            list,
            negated,
        } => format!(
            "{} {}IN ({})",
            expr_to_sql(expr),
            if *negated { "NOT " } else { "" },
            list.iter().map(expr_to_sql).collect::<Vec<_>>().join(", ")
        ),
        Expr::Between {
            expr,
            negated,
            low,
            high,
        } => format!(
            "{} {}BETWEEN {} AND {}",
            expr_to_sql(expr),
            if *negated { "NOT " } else { "" },
            expr_to_sql(low),
            expr_to_sql(high)
        ),
        Expr::Like {
            negated,
            expr,
            pattern,
            ..
        } => format!(
            "{} {}LIKE {}",
            expr_to_sql(expr),
            if *negated { "NOT " } else { "" },
            expr_to_sql(pattern)
        ),
        Expr::Cast {
            expr, data_type, ..
        } => format!("CAST({} AS {})", expr_to_sql(expr), type_sql(data_type)),
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            let mut s = String::from("CASE");
            if let Some(o) = operand {
                s.push(' ');
                s.push_str(&expr_to_sql(o));
            }
            for c in conditions {
                s.push_str(&format!(
                    " WHEN {} THEN {}",
                    expr_to_sql(&c.condition),
                    expr_to_sql(&c.result)
                ));
            }
            if let Some(el) = else_result {
                s.push_str(&format!(" ELSE {}", expr_to_sql(el)));
            }
            s.push_str(" END");
            s
        }
        Expr::CompoundFieldAccess { root, access_chain } => {
            let mut out = expr_to_sql(root);
            for a in access_chain {
                match a {
                    AccessExpr::Subscript(Subscript::Index { index }) => {
                        out.push_str(&format!("[{}]", expr_to_sql(index)));
                    }
                    other => out.push_str(&other.to_string()),
                }
            }
            out
        }
        Expr::Array(a) => format!(
            "[{}]",
            a.elem
                .iter()
                .map(expr_to_sql)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        // StarRocks's `LambdaFunctionExpr.toSql()`: parameters bare, in parentheses when
        // there are several.
        Expr::Lambda(l) => {
            let params = match &l.params {
                OneOrManyWithParens::One(p) => p.name.value.clone(),
                OneOrManyWithParens::Many(ps) => format!(
                    "({})",
                    ps.iter()
                        .map(|p| p.name.value.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            format!("{params} -> {}", expr_to_sql(&l.body))
        }
        Expr::Function(f) => {
            let args = match &f.args {
                FunctionArguments::List(l) => l
                    .args
                    .iter()
                    .map(|a| match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => expr_to_sql(x),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                FunctionArguments::None => return f.name.to_string(),
                FunctionArguments::Subquery(_) => return e.to_string(),
            };
            format!("{}({})", f.name, args)
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(sql: &str) -> CreateRoutineLoad {
        match try_parse(sql).unwrap().unwrap() {
            RoutineLoadStmt::Create(c) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn seed_csv_statement_verbatim() {
        let sql = r#"CREATE ROUTINE LOAD example_db.example_tbl1_ordertest1 ON example_tbl1
COLUMNS TERMINATED BY ",",
COLUMNS (order_id, pay_dt, customer_name, nationality, temp_gender, price)
PROPERTIES
(
    "desired_concurrent_number" = "5"
)
FROM KAFKA
(
    "kafka_broker_list" = "<kafka_broker1_ip>:<kafka_broker1_port>,<kafka_broker2_ip>:<kafka_broker2_port>",
    "kafka_topic" = "ordertest1",
    "kafka_partitions" = "0,1,2,3,4",
    "property.kafka_default_offsets" = "OFFSET_BEGINNING"
);"#;
        let c = create(sql);
        assert_eq!(c.job.db.as_deref(), Some("example_db"));
        assert_eq!(c.job.name, "example_tbl1_ordertest1");
        assert_eq!(c.table, "example_tbl1");
        assert_eq!(c.load.column_separator.as_deref(), Some(","));
        let cols: Vec<String> = c
            .load
            .columns
            .unwrap()
            .iter()
            .map(ColumnItem::to_show)
            .collect();
        assert_eq!(
            cols.join(","),
            "order_id,pay_dt,customer_name,nationality,temp_gender,price"
        );
        assert_eq!(
            c.properties,
            vec![("desired_concurrent_number".into(), "5".into())]
        );
        assert_eq!(c.source, "KAFKA");
        assert_eq!(c.source_properties.len(), 4);
        assert_eq!(c.source_properties[1].1, "ordertest1");
    }

    #[test]
    fn seed_json_statement_verbatim() {
        let sql = r#"CREATE ROUTINE LOAD example_db.example_tbl2_ordertest2 ON example_tbl2
COLUMNS(commodity_id, customer_name, country, pay_time, price, pay_dt=from_unixtime(pay_time, '%Y%m%d'))
PROPERTIES
(
    "desired_concurrent_number" = "5",
    "format" = "json",
    "jsonpaths" = "[\"$.commodity_id\",\"$.customer_name\",\"$.country\",\"$.pay_time\",\"$.price\"]"
 )
FROM KAFKA
(
    "kafka_broker_list" ="<kafka_broker1_ip>:<kafka_broker1_port>,<kafka_broker2_ip>:<kafka_broker2_port>",
    "kafka_topic" = "ordertest2",
    "kafka_partitions" ="0,1,2,3,4",
    "property.kafka_default_offsets" = "OFFSET_BEGINNING"
);"#;
        let c = create(sql);
        let cols = c.load.columns.unwrap();
        assert_eq!(
            cols[5].to_show(),
            "pay_dt=from_unixtime(`pay_time`, '%Y%m%d')"
        );
        assert_eq!(
            c.properties[2].1,
            r#"["$.commodity_id","$.customer_name","$.country","$.pay_time","$.price"]"#
        );
    }

    /// Lambdas parse (StarRocks's `test_routine_load_lambda`), print back as StarRocks's
    /// toSql does, and break the analyzer's rules with its texts.
    #[test]
    fn lambda_columns_and_where() {
        let c = create(
            "CREATE ROUTINE LOAD j ON t COLUMNS (a, b, m = array_map(x -> x + 1, a), \
             s = array_map((x, y) -> x * y, a, b)), WHERE any_match(x -> x > 2, a) \
             FROM KAFKA (\"kafka_topic\" = \"t\")",
        );
        let cols = c.load.columns.unwrap();
        assert_eq!(cols[2].to_show(), "m=array_map(x -> `x` + 1, `a`)");
        assert_eq!(
            cols[3].to_show(),
            "s=array_map((x, y) -> `x` * `y`, `a`, `b`)"
        );
        assert_eq!(
            c.load.where_sql.as_deref(),
            Some("any_match(x -> `x` > 2, `a`)")
        );
        let c = create(
            "CREATE ROUTINE LOAD j ON t COLUMNS (t2, cid = get_json_string(map_values((map_filter(\
             (k, v)->get_json_string(v, '$.type')='type1',cast(parse_json(t2) AS map<string,json>))))[1],'$.cid')) \
             FROM KAFKA (\"kafka_topic\" = \"t\")",
        );
        assert_eq!(
            c.load.columns.unwrap()[1].to_show(),
            "cid=get_json_string(map_values((map_filter((k, v) -> get_json_string(`v`, '$.type') = 'type1', CAST(parse_json(`t2`) AS MAP<STRING,JSON>))))[1], '$.cid')"
        );
        let e = try_parse(
            "CREATE ROUTINE LOAD j ON t COLUMNS (a, m = array_map((x, y) -> x, a)) FROM KAFKA ()",
        )
        .unwrap()
        .unwrap_err();
        assert_eq!(
            e.message,
            "Getting analyzing error. Detail message: Lambda arguments should equal to lambda input arrays."
        );
    }

    #[test]
    fn full_grammar() {
        let c = create(
            "CREATE ROUTINE LOAD j1 ON db.t COLUMNS TERMINATED BY '\\x01', ROWS TERMINATED BY '\\n', \
             COLUMNS (a, b, c = a + 1), WHERE a > 10 AND b = 'x', TEMPORARY PARTITION (p1, p2) \
             PROPERTIES ('strict_mode' = 'true') FROM kafka ('kafka_topic' = 't')",
        );
        assert_eq!(c.job.db, None);
        assert_eq!(c.table, "t");
        assert_eq!(c.load.row_delimiter.as_deref(), Some("\n"));
        assert_eq!(c.load.column_separator.as_deref(), Some("\\x01"));
        assert_eq!(c.load.where_sql.as_deref(), Some("`a` > 10 AND `b` = 'x'"));
        assert_eq!(
            c.load.partitions,
            Some(PartitionNames {
                temporary: true,
                names: vec!["p1".into(), "p2".into()]
            })
        );
        assert_eq!(c.load.columns.unwrap()[2].to_show(), "c=`a` + 1");
        let c = create(
            "CREATE ROUTINE LOAD j ON t PARTITIONS p1, p2, WHERE x = 1 FROM KAFKA (\"a\"=\"b\")",
        );
        assert_eq!(c.load.partitions.unwrap().names, vec!["p1", "p2"]);
        assert!(c.load.where_sql.is_some());
    }

    #[test]
    fn repeated_clauses_are_rejected() {
        let err = |sql: &str| try_parse(sql).unwrap().unwrap_err().message;
        assert_eq!(
            err("CREATE ROUTINE LOAD j ON t COLUMNS TERMINATED BY ',', COLUMNS TERMINATED BY ';' FROM KAFKA ()"),
            "Getting analyzing error. Detail message: repeat setting of column separator."
        );
        assert_eq!(
            err("CREATE ROUTINE LOAD j ON t WHERE a = 1, WHERE b = 2 FROM KAFKA ()"),
            "Getting analyzing error. Detail message: repeat setting of where predicate."
        );
        assert_eq!(
            err("CREATE ROUTINE LOAD j ON t COLUMNS (a), COLUMNS (b) FROM KAFKA ()"),
            "Getting analyzing error. Detail message: repeat setting of columns info."
        );
    }

    #[test]
    fn other_statements() {
        let p = |sql: &str| try_parse(sql).unwrap().unwrap();
        assert_eq!(
            p("PAUSE ROUTINE LOAD FOR example_tbl2_ordertest2;"),
            RoutineLoadStmt::Pause(JobRef {
                db: None,
                name: "example_tbl2_ordertest2".into()
            })
        );
        assert!(matches!(
            p("RESUME ROUTINE LOAD FOR db1.j"),
            RoutineLoadStmt::Resume(JobRef { db: Some(_), .. })
        ));
        assert!(matches!(
            p("STOP ROUTINE LOAD FOR j"),
            RoutineLoadStmt::Stop(_)
        ));
        match p("SHOW ALL ROUTINE LOAD FOR db.j FROM db2 WHERE State = 'PAUSED' ORDER BY Id DESC LIMIT 1, 2") {
            RoutineLoadStmt::Show(s) => {
                assert!(s.all);
                assert_eq!(s.job.unwrap().name, "j");
                assert_eq!(s.from_db.as_deref(), Some("db2"));
                assert!(s.where_expr.is_some());
                assert_eq!(s.order_by.len(), 1);
                assert_eq!(s.limit, Some((1, 2)));
            }
            other => panic!("{other:?}"),
        }
        match p("SHOW ROUTINE LOAD TASK WHERE JobName = \"example_tbl2_ordertest2\"") {
            RoutineLoadStmt::ShowTask(t) => assert!(t.where_expr.is_some()),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            p("SHOW CREATE ROUTINE LOAD db.j"),
            RoutineLoadStmt::ShowCreate(_)
        ));
        match p("ALTER ROUTINE LOAD FOR j COLUMNS(a, b) PROPERTIES (\"max_error_number\" = \"5\") FROM KAFKA (\"kafka_partitions\" = \"0\", \"kafka_offsets\" = \"3\")") {
            RoutineLoadStmt::Alter(a) => {
                assert_eq!(a.load.columns.unwrap().len(), 2);
                assert_eq!(a.properties.len(), 1);
                assert_eq!(a.source.as_deref(), Some("KAFKA"));
                assert_eq!(a.source_properties.len(), 2);
            }
            other => panic!("{other:?}"),
        }
        assert!(try_parse("SELECT 1").is_none());
        assert!(try_parse("SHOW TABLES").is_none());
        assert!(try_parse("CREATE ROUTINE LOAD j ON").unwrap().is_err());
    }
}
