//! Parser for session statements: SET (variables, NAMES, CHARACTER SET, TRANSACTION, user
//! variables), USE, SHOW VARIABLES/WARNINGS/ERRORS/ENGINES/COLLATION/CHARSET/STATUS/
//! PROCESSLIST/PLUGINS, BEGIN/START TRANSACTION/COMMIT/ROLLBACK and KILL.
//!
//! Grammar follows StarRocks's `StarRocks.g4` (setStatement, useDatabaseStatement,
//! showVariablesStatement, ...). Tokens come from sqlparser's MySQL tokenizer; value
//! expressions (`CONCAT(@@sql_mode, ',STRICT_TRANS_TABLES')`) and WHERE filters are parsed
//! with sqlparser into its `Expr` and evaluated by the handler.

use crate::error::{SqlError, SqlResult};
use crate::variables::VarScope;
use datafusion::sql::sqlparser::ast::Expr;
use datafusion::sql::sqlparser::dialect::MySqlDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

/// A parsed session statement.
#[derive(Debug, Clone)]
pub enum SessionStmt {
    /// `SET item [, item ...]`, applied in order.
    Set(Vec<SetItem>),
    /// `USE [catalog.]db`.
    Use { catalog: Option<String>, db: String },
    /// `SHOW [GLOBAL|SESSION|VERBOSE] VARIABLES [LIKE|WHERE]`.
    ShowVariables {
        kind: ShowVariablesKind,
        filter: ShowFilter,
    },
    /// `SHOW WARNINGS` / `SHOW ERRORS` (`LIMIT` accepted).
    ShowWarnings { errors: bool },
    /// `SHOW [STORAGE] ENGINES`.
    ShowEngines,
    /// `SHOW CATALOGS [LIKE|WHERE]`: BI tools (Superset's StarRocks engine spec) list catalogs.
    ShowCatalogs(ShowFilter),
    /// `SHOW COLLATION [LIKE|WHERE]`.
    ShowCollation(ShowFilter),
    /// `SHOW CHARSET` / `SHOW CHARACTER SET [LIKE|WHERE]`.
    ShowCharset(ShowFilter),
    /// `SHOW [GLOBAL|SESSION] STATUS [LIKE|WHERE]`.
    ShowStatus(ShowFilter),
    /// `SHOW [FULL] PROCESSLIST`.
    ShowProcesslist { full: bool },
    /// `SHOW PLUGINS`.
    ShowPlugins,
    /// `BEGIN [WORK]` / `START TRANSACTION ...`.
    Begin,
    /// `COMMIT [WORK]`.
    Commit,
    /// `ROLLBACK [WORK]`.
    Rollback,
    /// `KILL [CONNECTION|QUERY] id`.
    Kill { query_only: bool, id: i64 },
}

/// Which values SHOW VARIABLES prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShowVariablesKind {
    Session,
    Global,
    /// Adds `Default_value` and `Is_changed`.
    Verbose,
}

/// `LIKE 'pattern'` or `WHERE expr` of a SHOW statement.
#[derive(Debug, Clone, Default)]
#[allow(clippy::large_enum_variant)] // parsed once per statement and dropped; boxing buys nothing
pub enum ShowFilter {
    #[default]
    None,
    Like(String),
    Where(Expr),
}

/// One assignment of a SET statement.
#[derive(Debug, Clone)]
pub enum SetItem {
    /// A system variable; `value` None means `DEFAULT`.
    Var {
        scope: VarScope,
        name: String,
        value: Option<SetValue>,
    },
    /// `@name = expr`.
    UserVar { name: String, value: SetValue },
    /// `NAMES cs [COLLATE c]`; `charset` None = `DEFAULT`.
    Names {
        charset: Option<String>,
        collate: Option<String>,
    },
    /// `CHARACTER SET cs` / `CHARSET cs`; None = `DEFAULT`.
    CharacterSet(Option<String>),
    /// `[GLOBAL|SESSION] TRANSACTION ISOLATION LEVEL ... | READ ONLY | READ WRITE`.
    /// `scope` None = the next transaction only.
    Transaction {
        scope: Option<VarScope>,
        isolation: Option<String>,
        read_only: Option<bool>,
    },
}

/// The right-hand side of an assignment.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)] // parsed once per statement and dropped; boxing buys nothing
pub enum SetValue {
    /// A bare word (`ON`, `STRICT_TRANS_TABLES`, `utf8mb4`): its text (StarRocks SlotRef).
    Word(String),
    /// Any other expression, evaluated to a constant by the handler.
    Expr(Expr),
}

/// Returns None when `sql` is not a statement of this family.
pub fn try_parse(sql: &str) -> Option<SqlResult<SessionStmt>> {
    let first = sql
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    match first.as_str() {
        "SET" | "USE" | "BEGIN" | "START" | "COMMIT" | "ROLLBACK" | "KILL" => {}
        "SHOW" => {
            if !is_session_show(sql) {
                return None;
            }
        }
        _ => return None,
    }
    Some(parse(sql))
}

/// True when a SHOW statement belongs to this family.
fn is_session_show(sql: &str) -> bool {
    let words: Vec<String> = sql
        .split_whitespace()
        .take(4)
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    let mut i = 1;
    if matches!(
        w(i),
        "GLOBAL" | "SESSION" | "LOCAL" | "VERBOSE" | "FULL" | "STORAGE"
    ) {
        i += 1;
    }
    matches!(
        w(i),
        "VARIABLES"
            | "WARNINGS"
            | "ERRORS"
            | "ENGINES"
            | "CATALOGS"
            | "COLLATION"
            | "CHARSET"
            | "STATUS"
            | "PROCESSLIST"
            | "PLUGINS"
    ) || (w(i) == "CHARACTER" && w(i + 1) == "SET")
}

fn parse(sql: &str) -> SqlResult<SessionStmt> {
    let dialect = MySqlDialect {};
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| SqlError::syntax("", &e.message))?;
    let tokens: Vec<TokenWithSpan> = tokens
        .into_iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .collect();
    let mut p = Cursor { tokens, pos: 0 };
    let stmt = p.statement()?;
    if !p.at_end() {
        return Err(p.unexpected());
    }
    Ok(stmt)
}

struct Cursor {
    tokens: Vec<TokenWithSpan>,
    pos: usize,
}

impl Cursor {
    fn peek(&self) -> &Token {
        self.peek_at(0)
    }

    fn peek_at(&self, n: usize) -> &Token {
        self.tokens
            .get(self.pos + n)
            .map(|t| &t.token)
            .unwrap_or(&Token::EOF)
    }

    fn at_end(&self) -> bool {
        self.tokens
            .get(self.pos..)
            .unwrap_or(&[])
            .iter()
            .all(|t| matches!(t.token, Token::EOF | Token::SemiColon))
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        t
    }

    /// The upper-cased text of the next token if it is an unquoted word.
    fn peek_word_at(&self, n: usize) -> Option<String> {
        match self.peek_at(n) {
            Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_ascii_uppercase()),
            _ => None,
        }
    }

    fn is_kw(&self, kw: &str) -> bool {
        self.peek_word_at(0).as_deref() == Some(kw)
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_kw(&mut self, kw: &str) -> SqlResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn eat(&mut self, t: &Token) -> bool {
        if self.peek() == t {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// `Getting syntax error at line L, column C. Detail message: Unexpected input 'x', ...`
    fn unexpected(&self) -> SqlError {
        let (line, col, tok) = match self.tokens.get(self.pos) {
            Some(t) if t.token != Token::EOF => (
                t.span.start.line,
                t.span.start.column.saturating_sub(1),
                t.token.to_string(),
            ),
            _ => {
                let end = self.tokens.last().map(|t| t.span.end);
                (
                    end.map(|e| e.line).unwrap_or(1),
                    end.map(|e| e.column.saturating_sub(1)).unwrap_or(0),
                    "<EOF>".to_string(),
                )
            }
        };
        SqlError::syntax(
            &format!(" at line {line}, column {col}"),
            &format!("Input '{tok}' is not valid at this position"),
        )
    }

    /// An identifier (quoted or not).
    fn ident(&mut self) -> SqlResult<String> {
        match self.peek().clone() {
            Token::Word(w) => {
                self.pos += 1;
                Ok(w.value)
            }
            _ => Err(self.unexpected()),
        }
    }

    /// An identifier or a string literal (charset names, LIKE patterns use strings).
    fn ident_or_string(&mut self) -> SqlResult<String> {
        match self.peek().clone() {
            Token::Word(w) => {
                self.pos += 1;
                Ok(w.value)
            }
            Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => {
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn string(&mut self) -> SqlResult<String> {
        match self.peek().clone() {
            Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => {
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.unexpected()),
        }
    }

    fn statement(&mut self) -> SqlResult<SessionStmt> {
        let kw = self.peek_word_at(0).unwrap_or_default();
        self.pos = (self.pos + 1).min(self.tokens.len());
        match kw.as_str() {
            "SET" => self.set(),
            "USE" => {
                let first = self.ident()?;
                if self.eat(&Token::Period) {
                    let db = self.ident()?;
                    Ok(SessionStmt::Use {
                        catalog: Some(first),
                        db,
                    })
                } else {
                    Ok(SessionStmt::Use {
                        catalog: None,
                        db: first,
                    })
                }
            }
            "BEGIN" => {
                self.eat_kw("WORK");
                Ok(SessionStmt::Begin)
            }
            "START" => {
                self.expect_kw("TRANSACTION")?;
                // WITH CONSISTENT SNAPSHOT / READ ONLY / READ WRITE are accepted and ignored.
                while !self.at_end() {
                    self.pos += 1;
                }
                Ok(SessionStmt::Begin)
            }
            "COMMIT" => {
                self.eat_kw("WORK");
                Ok(SessionStmt::Commit)
            }
            "ROLLBACK" => {
                self.eat_kw("WORK");
                Ok(SessionStmt::Rollback)
            }
            "KILL" => {
                let query_only = if self.eat_kw("QUERY") {
                    true
                } else {
                    self.eat_kw("CONNECTION");
                    false
                };
                match self.next() {
                    Token::Number(n, _) => {
                        let id = n
                            .parse::<i64>()
                            .map_err(|_| SqlError::syntax("", &format!("Invalid number '{n}'")))?;
                        Ok(SessionStmt::Kill { query_only, id })
                    }
                    _ => {
                        self.pos = self.pos.saturating_sub(1);
                        Err(self.unexpected())
                    }
                }
            }
            "SHOW" => self.show(),
            _ => {
                self.pos = self.pos.saturating_sub(1);
                Err(self.unexpected())
            }
        }
    }

    fn show(&mut self) -> SqlResult<SessionStmt> {
        let modifier = self.peek_word_at(0).unwrap_or_default();
        let (kind, full, storage) = match modifier.as_str() {
            "GLOBAL" => (Some(ShowVariablesKind::Global), false, false),
            "SESSION" | "LOCAL" => (Some(ShowVariablesKind::Session), false, false),
            "VERBOSE" => (Some(ShowVariablesKind::Verbose), false, false),
            "FULL" => (None, true, false),
            "STORAGE" => (None, false, true),
            _ => (None, false, false),
        };
        if kind.is_some() || full || storage {
            self.pos += 1;
        }
        let what = self.peek_word_at(0).unwrap_or_default();
        self.pos = (self.pos + 1).min(self.tokens.len());
        match what.as_str() {
            "VARIABLES" if !full && !storage => Ok(SessionStmt::ShowVariables {
                kind: kind.unwrap_or(ShowVariablesKind::Session),
                filter: self.show_filter()?,
            }),
            "STATUS" if !full && !storage && kind != Some(ShowVariablesKind::Verbose) => {
                Ok(SessionStmt::ShowStatus(self.show_filter()?))
            }
            "PROCESSLIST" if kind.is_none() && !storage => {
                Ok(SessionStmt::ShowProcesslist { full })
            }
            "WARNINGS" | "ERRORS" if kind.is_none() && !full && !storage => {
                let errors = what == "ERRORS";
                if self.eat_kw("LIMIT") {
                    self.next();
                    if self.eat(&Token::Comma) {
                        self.next();
                    }
                }
                Ok(SessionStmt::ShowWarnings { errors })
            }
            "ENGINES" if kind.is_none() && !full => Ok(SessionStmt::ShowEngines),
            "CATALOGS" if kind.is_none() && !full && !storage => {
                Ok(SessionStmt::ShowCatalogs(self.show_filter()?))
            }
            "PLUGINS" if kind.is_none() && !full && !storage => Ok(SessionStmt::ShowPlugins),
            "COLLATION" if kind.is_none() && !full && !storage => {
                Ok(SessionStmt::ShowCollation(self.show_filter()?))
            }
            "CHARSET" if kind.is_none() && !full && !storage => {
                Ok(SessionStmt::ShowCharset(self.show_filter()?))
            }
            "CHARACTER" if kind.is_none() && !full && !storage => {
                self.expect_kw("SET")?;
                Ok(SessionStmt::ShowCharset(self.show_filter()?))
            }
            _ => {
                self.pos = self.pos.saturating_sub(1);
                Err(self.unexpected())
            }
        }
    }

    fn show_filter(&mut self) -> SqlResult<ShowFilter> {
        if self.eat_kw("LIKE") {
            return Ok(ShowFilter::Like(self.string()?));
        }
        if self.eat_kw("WHERE") {
            let rest = self.rest_tokens();
            return Ok(ShowFilter::Where(parse_expr(rest)?));
        }
        Ok(ShowFilter::None)
    }

    /// Every remaining token up to the end (for sqlparser).
    fn rest_tokens(&mut self) -> Vec<TokenWithSpan> {
        let rest: Vec<TokenWithSpan> = self
            .tokens
            .get(self.pos..)
            .unwrap_or(&[])
            .iter()
            .filter(|t| !matches!(t.token, Token::EOF | Token::SemiColon))
            .cloned()
            .collect();
        self.pos = self.tokens.len();
        rest
    }

    /// Tokens of one value expression: up to a comma at nesting depth 0.
    fn value_tokens(&mut self) -> Vec<TokenWithSpan> {
        let mut depth = 0i32;
        let start = self.pos;
        while self.pos < self.tokens.len() {
            match &self.tokens[self.pos].token {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                Token::Comma if depth == 0 => break,
                Token::EOF | Token::SemiColon if depth == 0 => break,
                _ => {}
            }
            self.pos += 1;
        }
        self.tokens[start..self.pos].to_vec()
    }

    fn set(&mut self) -> SqlResult<SessionStmt> {
        // `SET [GLOBAL|SESSION] TRANSACTION ...` is a statement of its own.
        let scope_kw = self.peek_word_at(0);
        let tx_at = match scope_kw.as_deref() {
            Some("GLOBAL" | "SESSION" | "LOCAL") => 1,
            _ => 0,
        };
        if self.peek_word_at(tx_at).as_deref() == Some("TRANSACTION") {
            let scope = match scope_kw.as_deref() {
                Some("GLOBAL") => Some(VarScope::Global),
                Some("SESSION" | "LOCAL") => Some(VarScope::Session),
                _ => None,
            };
            self.pos += tx_at + 1;
            return self.set_transaction(scope);
        }
        let mut items = vec![self.set_item()?];
        while self.eat(&Token::Comma) {
            items.push(self.set_item()?);
        }
        Ok(SessionStmt::Set(items))
    }

    fn set_transaction(&mut self, scope: Option<VarScope>) -> SqlResult<SessionStmt> {
        let mut isolation = None;
        let mut read_only = None;
        loop {
            if self.eat_kw("ISOLATION") {
                self.expect_kw("LEVEL")?;
                let level = if self.eat_kw("SERIALIZABLE") {
                    "SERIALIZABLE"
                } else if self.eat_kw("REPEATABLE") {
                    self.expect_kw("READ")?;
                    "REPEATABLE-READ"
                } else if self.eat_kw("READ") {
                    if self.eat_kw("COMMITTED") {
                        "READ-COMMITTED"
                    } else {
                        self.expect_kw("UNCOMMITTED")?;
                        "READ-UNCOMMITTED"
                    }
                } else {
                    return Err(self.unexpected());
                };
                isolation = Some(level.to_string());
            } else if self.eat_kw("READ") {
                if self.eat_kw("ONLY") {
                    read_only = Some(true);
                } else {
                    self.expect_kw("WRITE")?;
                    read_only = Some(false);
                }
            } else {
                return Err(self.unexpected());
            }
            if !self.eat(&Token::Comma) {
                break;
            }
        }
        Ok(SessionStmt::Set(vec![SetItem::Transaction {
            scope,
            isolation,
            read_only,
        }]))
    }

    fn set_item(&mut self) -> SqlResult<SetItem> {
        if self.eat_kw("NAMES") {
            if self.eat_kw("DEFAULT") {
                return Ok(SetItem::Names {
                    charset: None,
                    collate: None,
                });
            }
            let charset = self.ident_or_string()?;
            let collate = if self.eat_kw("COLLATE") {
                if self.eat_kw("DEFAULT") {
                    None
                } else {
                    Some(self.ident_or_string()?)
                }
            } else {
                None
            };
            return Ok(SetItem::Names {
                charset: Some(charset),
                collate,
            });
        }
        if self.is_kw("CHARSET")
            || (self.is_kw("CHARACTER") && self.peek_word_at(1).as_deref() == Some("SET"))
        {
            if self.eat_kw("CHARACTER") {
                self.expect_kw("SET")?;
            } else {
                self.pos += 1;
            }
            if self.eat_kw("DEFAULT") {
                return Ok(SetItem::CharacterSet(None));
            }
            return Ok(SetItem::CharacterSet(Some(self.ident_or_string()?)));
        }
        let mut scope = VarScope::Session;
        if self.eat_kw("GLOBAL") {
            scope = VarScope::Global;
        } else if self.eat_kw("SESSION") || self.eat_kw("LOCAL") {
            scope = VarScope::Session;
        }
        let name_tok = self.next();
        let raw = match name_tok {
            Token::Word(w) => w.value,
            _ => {
                self.pos = self.pos.saturating_sub(1);
                return Err(self.unexpected());
            }
        };
        // `@@[global.|session.|local.]name`, `@name`, or a bare name.
        let name = if let Some(rest) = raw.strip_prefix("@@") {
            let prefix = rest.to_ascii_lowercase();
            if matches!(prefix.as_str(), "global" | "session" | "local") && self.eat(&Token::Period)
            {
                if prefix == "global" {
                    scope = VarScope::Global;
                } else {
                    scope = VarScope::Session;
                }
                self.ident()?
            } else {
                rest.to_string()
            }
        } else if let Some(user) = raw.strip_prefix('@') {
            if !(self.eat(&Token::Eq) || self.eat(&Token::Assignment)) {
                return Err(self.unexpected());
            }
            let value = self.set_value()?.ok_or_else(|| self.unexpected())?;
            return Ok(SetItem::UserVar {
                name: user.trim_matches('`').to_string(),
                value,
            });
        } else {
            raw
        };
        if !(self.eat(&Token::Eq) || self.eat(&Token::Assignment)) {
            return Err(self.unexpected());
        }
        let value = self.set_value()?;
        Ok(SetItem::Var { scope, name, value })
    }

    /// The value of an assignment; None for `DEFAULT`.
    fn set_value(&mut self) -> SqlResult<Option<SetValue>> {
        let start = self.pos;
        let toks = self.value_tokens();
        if toks.is_empty() {
            self.pos = start;
            return Err(self.unexpected());
        }
        if toks.len() == 1 {
            if let Token::Word(w) = &toks[0].token {
                if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("DEFAULT") {
                    return Ok(None);
                }
                if w.quote_style != Some('`') && !w.value.starts_with('@') {
                    // NULL, TRUE and FALSE are literals, not names.
                    let upper = w.value.to_ascii_uppercase();
                    if !matches!(upper.as_str(), "NULL" | "TRUE" | "FALSE") {
                        return Ok(Some(SetValue::Word(w.value.clone())));
                    }
                } else if w.quote_style == Some('`') {
                    return Ok(Some(SetValue::Word(w.value.clone())));
                }
            }
        }
        Ok(Some(SetValue::Expr(parse_expr(toks)?)))
    }
}

/// Parses tokens as one sqlparser expression (MySQL dialect).
fn parse_expr(tokens: Vec<TokenWithSpan>) -> SqlResult<Expr> {
    let dialect = MySqlDialect {};
    let mut parser = Parser::new(&dialect).with_tokens_with_locations(tokens);
    let e = parser
        .parse_expr()
        .map_err(|e| SqlError::syntax("", &e.to_string()))?;
    match parser.peek_token().token {
        Token::EOF => Ok(e),
        t => Err(SqlError::syntax(
            "",
            &format!("Input '{t}' is not valid at this position"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn must_parse(sql: &str) -> SessionStmt {
        match try_parse(sql) {
            Some(Ok(s)) => s,
            other => panic!("{sql}: {other:?}"),
        }
    }

    #[test]
    fn mariadb_connector_combined_set() {
        let s = must_parse(
            "set autocommit=1,sql_mode=CONCAT(@@sql_mode,',STRICT_TRANS_TABLES'),NAMES utf8mb4",
        );
        let SessionStmt::Set(items) = s else {
            panic!("not a SET")
        };
        assert_eq!(items.len(), 3);
        assert!(
            matches!(&items[0], SetItem::Var { name, value: Some(SetValue::Expr(_)), scope: VarScope::Session } if name == "autocommit")
        );
        assert!(
            matches!(&items[1], SetItem::Var { name, value: Some(SetValue::Expr(Expr::Function(_))), .. } if name == "sql_mode")
        );
        assert!(
            matches!(&items[2], SetItem::Names { charset: Some(c), collate: None } if c == "utf8mb4")
        );
    }

    #[test]
    fn set_forms() {
        let SessionStmt::Set(items) = must_parse("SET GLOBAL query_timeout = 10") else {
            panic!()
        };
        assert!(matches!(
            &items[0],
            SetItem::Var {
                scope: VarScope::Global,
                ..
            }
        ));
        let SessionStmt::Set(items) = must_parse("SET @@session.autocommit = ON") else {
            panic!()
        };
        assert!(
            matches!(&items[0], SetItem::Var { scope: VarScope::Session, name, value: Some(SetValue::Word(w)) } if name == "autocommit" && w == "ON")
        );
        let SessionStmt::Set(items) = must_parse("set @@global.init_connect := 'x'") else {
            panic!()
        };
        assert!(
            matches!(&items[0], SetItem::Var { scope: VarScope::Global, name, .. } if name == "init_connect")
        );
        let SessionStmt::Set(items) =
            must_parse("SET NAMES 'utf8mb4' COLLATE 'utf8mb4_general_ci'")
        else {
            panic!()
        };
        assert!(matches!(
            &items[0],
            SetItem::Names {
                collate: Some(_),
                ..
            }
        ));
        let SessionStmt::Set(items) = must_parse("SET character_set_results = NULL") else {
            panic!()
        };
        assert!(matches!(
            &items[0],
            SetItem::Var {
                value: Some(SetValue::Expr(_)),
                ..
            }
        ));
        let SessionStmt::Set(items) = must_parse("SET query_timeout = DEFAULT") else {
            panic!()
        };
        assert!(matches!(&items[0], SetItem::Var { value: None, .. }));
        let SessionStmt::Set(items) =
            must_parse("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        else {
            panic!()
        };
        assert!(
            matches!(&items[0], SetItem::Transaction { scope: Some(VarScope::Session), isolation: Some(i), .. } if i == "READ-COMMITTED")
        );
        let SessionStmt::Set(items) = must_parse("SET CHARACTER SET utf8") else {
            panic!()
        };
        assert!(matches!(&items[0], SetItem::CharacterSet(Some(_))));
        let SessionStmt::Set(items) = must_parse("SET @x = 1 + 2") else {
            panic!()
        };
        assert!(matches!(&items[0], SetItem::UserVar { name, .. } if name == "x"));
        let SessionStmt::Set(items) = must_parse("SET time_zone = '+08:00', sql_select_limit=-1")
        else {
            panic!()
        };
        assert_eq!(items.len(), 2);
    }

    #[test]
    fn set_syntax_errors_have_position() {
        let e = try_parse("SET = 1").unwrap().unwrap_err();
        assert_eq!(e.errno, 1064);
        assert!(
            e.message
                .starts_with("Getting syntax error at line 1, column 4. Detail message: Input '='"),
            "{}",
            e.message
        );
        assert!(try_parse("SET autocommit").unwrap().is_err());
    }

    #[test]
    fn show_forms() {
        assert!(matches!(
            must_parse("SHOW VARIABLES LIKE 'sql_mode'"),
            SessionStmt::ShowVariables { kind: ShowVariablesKind::Session, filter: ShowFilter::Like(p) } if p == "sql_mode"
        ));
        assert!(matches!(
            must_parse("show global variables where Variable_name = 'x' or Value in ('a','b')"),
            SessionStmt::ShowVariables {
                kind: ShowVariablesKind::Global,
                filter: ShowFilter::Where(_)
            }
        ));
        assert!(matches!(
            must_parse("SHOW VERBOSE VARIABLES"),
            SessionStmt::ShowVariables {
                kind: ShowVariablesKind::Verbose,
                ..
            }
        ));
        assert!(matches!(
            must_parse("SHOW WARNINGS LIMIT 0, 10"),
            SessionStmt::ShowWarnings { errors: false }
        ));
        assert!(matches!(
            must_parse("SHOW ERRORS"),
            SessionStmt::ShowWarnings { errors: true }
        ));
        assert!(matches!(
            must_parse("SHOW STORAGE ENGINES"),
            SessionStmt::ShowEngines
        ));
        assert!(matches!(
            must_parse("SHOW CATALOGS"),
            SessionStmt::ShowCatalogs(ShowFilter::None)
        ));
        assert!(matches!(
            must_parse("show catalogs like 'default%'"),
            SessionStmt::ShowCatalogs(ShowFilter::Like(p)) if p == "default%"
        ));
        assert!(matches!(
            must_parse("SHOW CHARACTER SET"),
            SessionStmt::ShowCharset(_)
        ));
        assert!(matches!(
            must_parse("show charset like 'utf%'"),
            SessionStmt::ShowCharset(ShowFilter::Like(_))
        ));
        assert!(matches!(
            must_parse("SHOW COLLATION"),
            SessionStmt::ShowCollation(_)
        ));
        assert!(matches!(
            must_parse("SHOW FULL PROCESSLIST"),
            SessionStmt::ShowProcesslist { full: true }
        ));
        assert!(matches!(
            must_parse("SHOW GLOBAL STATUS"),
            SessionStmt::ShowStatus(_)
        ));
        assert!(matches!(
            must_parse("SHOW PLUGINS"),
            SessionStmt::ShowPlugins
        ));
        assert!(try_parse("SHOW TABLES").is_none());
        assert!(try_parse("SHOW FULL TABLES").is_none());
        assert!(try_parse("SHOW DATABASES").is_none());
        assert!(try_parse("SELECT 1").is_none());
    }

    #[test]
    fn use_txn_kill() {
        assert!(
            matches!(must_parse("USE `my db`"), SessionStmt::Use { catalog: None, db } if db == "my db")
        );
        assert!(
            matches!(must_parse("use default_catalog.d1;"), SessionStmt::Use { catalog: Some(c), db } if c == "default_catalog" && db == "d1")
        );
        assert!(matches!(must_parse("BEGIN"), SessionStmt::Begin));
        assert!(matches!(
            must_parse("START TRANSACTION WITH CONSISTENT SNAPSHOT"),
            SessionStmt::Begin
        ));
        assert!(matches!(must_parse("commit work"), SessionStmt::Commit));
        assert!(matches!(must_parse("ROLLBACK"), SessionStmt::Rollback));
        assert!(matches!(
            must_parse("KILL 12"),
            SessionStmt::Kill {
                query_only: false,
                id: 12
            }
        ));
        assert!(matches!(
            must_parse("KILL QUERY 7"),
            SessionStmt::Kill {
                query_only: true,
                id: 7
            }
        ));
        assert!(try_parse("KILL x").unwrap().is_err());
    }
}
