//! Small lexical helpers shared by our statement parsers: comment stripping, a tokenizer that
//! keeps positions, and a cursor with StarRocks-shaped syntax errors
//! (`Getting syntax error at line L, column C. Detail message: ...`, line 1-based, column
//! 0-based as ANTLR reports them; see `fe/sql/parser/ParsingException.java`).

use crate::error::SqlError;

/// Removes leading `/* ... */` and `-- ...` / `# ...` comments (Connector/J and DBeaver prefix
/// statements with a block comment).
pub fn strip_leading_comments(mut s: &str) -> &str {
    loop {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix("/*") {
            // `/*!40101 ... */` is MySQL's executable comment; treat as a comment too.
            match rest.find("*/") {
                Some(end) => s = &rest[end + 2..],
                None => return "",
            }
        } else if s.starts_with("--") || s.starts_with('#') {
            match s.find('\n') {
                Some(end) => s = &s[end + 1..],
                None => return "",
            }
        } else {
            return s;
        }
    }
}

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// An unquoted word (keyword or identifier), as written.
    Word(String),
    /// A `` `backquoted` `` identifier, unescaped.
    QuotedIdent(String),
    /// A `'single'` or `"double"` quoted string, unescaped.
    Str(String),
    /// A number literal as written (`20`, `-1`, `1.5`).
    Number(String),
    /// One punctuation character: `( ) , . = ; < > * @ + - /` ...
    Symbol(char),
    Eof,
}

/// A token with its position (line 1-based, column 0-based) and original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub line: usize,
    pub col: usize,
    pub text: String,
    /// Index of the token's first char in the statement (chars, not bytes).
    pub offset: usize,
}

impl Token {
    /// True when this is the unquoted word `kw` (case-insensitive).
    pub fn is_kw(&self, kw: &str) -> bool {
        matches!(&self.kind, TokenKind::Word(w) if w.eq_ignore_ascii_case(kw))
    }

    pub fn is_symbol(&self, c: char) -> bool {
        self.kind == TokenKind::Symbol(c)
    }

    /// The token as StarRocks quotes it in errors (`<EOF>` at the end).
    pub fn display(&self) -> String {
        match self.kind {
            TokenKind::Eof => "<EOF>".into(),
            _ => self.text.clone(),
        }
    }
}

/// Splits `sql` into tokens (ending with `Eof`). Fails on an unterminated quote.
pub fn tokenize(sql: &str) -> Result<Vec<Token>, SqlError> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line, mut col) = (0usize, 1usize, 0usize);
    let advance = |c: char, line: &mut usize, col: &mut usize| {
        if c == '\n' {
            *line += 1;
            *col = 0;
        } else {
            *col += 1;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            advance(c, &mut line, &mut col);
            i += 1;
            continue;
        }
        // Comments anywhere.
        if c == '-' && chars.get(i + 1) == Some(&'-') || c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                advance(chars[i], &mut line, &mut col);
                i += 1;
            }
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            let (sl, sc) = (line, col);
            i += 2;
            col += 2;
            loop {
                if i >= chars.len() {
                    return Err(syntax_error(sl, sc, "Unterminated comment"));
                }
                if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    i += 2;
                    col += 2;
                    break;
                }
                advance(chars[i], &mut line, &mut col);
                i += 1;
            }
            continue;
        }
        let (tl, tc, start) = (line, col, i);
        let kind = if c == '`' || c == '\'' || c == '"' {
            let q = c;
            let mut val = String::new();
            i += 1;
            col += 1;
            loop {
                let Some(&ch) = chars.get(i) else {
                    return Err(syntax_error(
                        tl,
                        tc,
                        &format!(
                            "Unexpected input '{}', the most similar input is {{<EOF>}}",
                            chars[start..].iter().collect::<String>()
                        ),
                    ));
                };
                advance(ch, &mut line, &mut col);
                i += 1;
                if ch == q {
                    // Doubled quote is an escaped quote.
                    if chars.get(i) == Some(&q) {
                        val.push(q);
                        advance(q, &mut line, &mut col);
                        i += 1;
                        continue;
                    }
                    break;
                }
                if ch == '\\' && q != '`' {
                    if let Some(&n) = chars.get(i) {
                        advance(n, &mut line, &mut col);
                        i += 1;
                        val.push(match n {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            '0' => '\0',
                            other => other,
                        });
                        continue;
                    }
                }
                val.push(ch);
            }
            if q == '`' {
                TokenKind::QuotedIdent(val)
            } else {
                TokenKind::Str(val)
            }
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
                col += 1;
            }
            let text: String = chars[start..i].iter().collect();
            if text.chars().all(|ch| ch.is_ascii_digit() || ch == '.') {
                TokenKind::Number(text)
            } else {
                TokenKind::Word(text)
            }
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
                col += 1;
            }
            TokenKind::Word(chars[start..i].iter().collect())
        } else {
            i += 1;
            col += 1;
            TokenKind::Symbol(c)
        };
        out.push(Token {
            kind,
            line: tl,
            col: tc,
            text: chars[start..i].iter().collect(),
            offset: start,
        });
    }
    out.push(Token {
        kind: TokenKind::Eof,
        line,
        col,
        text: String::new(),
        offset: chars.len(),
    });
    Ok(out)
}

/// `Getting syntax error at line L, column C. Detail message: <detail>.`
pub fn syntax_error(line: usize, col: usize, detail: &str) -> SqlError {
    SqlError::syntax(&format!(" at line {line}, column {col}"), detail)
}

/// A cursor over tokens with helpers that produce StarRocks-shaped errors.
pub struct Cursor {
    toks: Vec<Token>,
    pos: usize,
}

impl Cursor {
    pub fn new(sql: &str) -> Result<Self, SqlError> {
        Ok(Self {
            toks: tokenize(sql)?,
            pos: 0,
        })
    }

    pub fn peek(&self) -> &Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    pub fn peek_at(&self, n: usize) -> &Token {
        &self.toks[(self.pos + n).min(self.toks.len() - 1)]
    }

    pub fn next_token(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    /// The statement text from the next token on (`sql` is the text the cursor was made from).
    pub fn rest<'a>(&self, sql: &'a str) -> &'a str {
        let at = self.peek().offset;
        match sql.char_indices().nth(at) {
            Some((b, _)) => &sql[b..],
            None => "",
        }
    }

    pub fn at_eof(&self) -> bool {
        self.peek().kind == TokenKind::Eof
    }

    /// Consumes the keyword if it is next.
    pub fn accept_kw(&mut self, kw: &str) -> bool {
        if self.peek().is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes the keyword sequence if all of it is next.
    pub fn accept_kws(&mut self, kws: &[&str]) -> bool {
        if kws
            .iter()
            .enumerate()
            .all(|(i, k)| self.peek_at(i).is_kw(k))
        {
            self.pos += kws.len();
            true
        } else {
            false
        }
    }

    pub fn accept_symbol(&mut self, c: char) -> bool {
        if self.peek().is_symbol(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// The error "Unexpected input '<tok>', the most similar input is {<expected>}" at the
    /// next token.
    pub fn unexpected(&self, expected: &[&str]) -> SqlError {
        let t = self.peek();
        let list = expected
            .iter()
            .map(|e| {
                if e.starts_with('<') {
                    e.to_string()
                } else {
                    format!("'{e}'")
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        syntax_error(
            t.line,
            t.col,
            &format!(
                "Unexpected input '{}', the most similar input is {{{}}}",
                t.display(),
                list
            ),
        )
    }

    /// An error at the next token with a free-form detail.
    pub fn error_here(&self, detail: &str) -> SqlError {
        let t = self.peek();
        syntax_error(t.line, t.col, detail)
    }

    pub fn expect_kw(&mut self, kw: &str) -> Result<(), SqlError> {
        if self.accept_kw(kw) {
            Ok(())
        } else {
            Err(self.unexpected(&[kw]))
        }
    }

    pub fn expect_symbol(&mut self, c: char) -> Result<(), SqlError> {
        if self.accept_symbol(c) {
            Ok(())
        } else {
            Err(self.unexpected(&[&c.to_string()]))
        }
    }

    /// An identifier: an unquoted word or a backquoted name.
    /// `( ident [, ident ...] )`.
    pub fn ident_list(&mut self) -> Result<Vec<String>, SqlError> {
        self.expect_symbol('(')?;
        let mut v = vec![self.ident()?];
        while self.accept_symbol(',') {
            v.push(self.ident()?);
        }
        self.expect_symbol(')')?;
        Ok(v)
    }

    pub fn ident(&mut self) -> Result<String, SqlError> {
        match &self.peek().kind {
            TokenKind::Word(w) => {
                let w = w.clone();
                self.pos += 1;
                Ok(w)
            }
            TokenKind::QuotedIdent(w) => {
                let w = w.clone();
                self.pos += 1;
                Ok(w)
            }
            _ => Err(self.unexpected(&["<identifier>"])),
        }
    }

    /// `name` or `db.name`.
    pub fn qualified_name(&mut self) -> Result<(Option<String>, String), SqlError> {
        let first = self.ident()?;
        if self.accept_symbol('.') {
            let second = self.ident()?;
            Ok((Some(first), second))
        } else {
            Ok((None, first))
        }
    }

    /// A quoted string literal.
    pub fn string(&mut self) -> Result<String, SqlError> {
        match &self.peek().kind {
            TokenKind::Str(s) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.unexpected(&["<string>"])),
        }
    }

    /// An unsigned integer literal.
    pub fn integer(&mut self) -> Result<u64, SqlError> {
        match &self.peek().kind {
            TokenKind::Number(n) if n.chars().all(|c| c.is_ascii_digit()) => {
                let v = n
                    .parse()
                    .map_err(|_| self.error_here("Number out of range"))?;
                self.pos += 1;
                Ok(v)
            }
            _ => Err(self.unexpected(&["<integer>"])),
        }
    }

    /// Requires the end of the statement (an optional `;` was stripped already).
    pub fn expect_eof(&mut self) -> Result<(), SqlError> {
        self.accept_symbol(';');
        if self.at_eof() {
            Ok(())
        } else {
            Err(self.unexpected(&["<EOF>"]))
        }
    }

    /// `("k" = "v", ...)`: a parenthesised property list.
    pub fn property_list(&mut self) -> Result<Vec<(String, String)>, SqlError> {
        self.expect_symbol('(')?;
        let mut props = Vec::new();
        if self.accept_symbol(')') {
            return Ok(props);
        }
        loop {
            let k = self.string()?;
            self.expect_symbol('=')?;
            let v = self.string()?;
            props.push((k, v));
            if self.accept_symbol(',') {
                continue;
            }
            self.expect_symbol(')')?;
            return Ok(props);
        }
    }
}

/// MySQL LIKE matching (`%`, `_`, backslash escapes), case-insensitive as StarRocks's
/// `PatternMatcher` with `caseSensitive=false`.
pub fn like_match(pattern: &str, s: &str) -> bool {
    like_match_case(pattern, s, false)
}

/// MySQL LIKE matching; `case_sensitive` as StarRocks's `CaseSensibility` of the object kind
/// (databases and tables are case-sensitive, columns and configs are not).
pub fn like_match_case(pattern: &str, s: &str, case_sensitive: bool) -> bool {
    let fold = |x: &str| {
        if case_sensitive {
            x.to_string()
        } else {
            x.to_lowercase()
        }
    };
    let p: Vec<char> = fold(pattern).chars().collect();
    let t: Vec<char> = fold(s).chars().collect();
    fn rec(p: &[char], t: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('%') => (0..=t.len()).any(|i| rec(&p[1..], &t[i..])),
            Some('_') => !t.is_empty() && rec(&p[1..], &t[1..]),
            Some('\\') if p.len() > 1 => t.first() == Some(&p[1]) && rec(&p[2..], &t[1..]),
            Some(c) => t.first() == Some(c) && rec(&p[1..], &t[1..]),
        }
    }
    rec(&p, &t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_block_and_line_comments() {
        assert_eq!(
            strip_leading_comments("/* mysql-connector-j */SELECT 1"),
            "SELECT 1"
        );
        assert_eq!(
            strip_leading_comments("-- x\n  # y\nSHOW TABLES"),
            "SHOW TABLES"
        );
        assert_eq!(strip_leading_comments("/* unterminated"), "");
    }

    #[test]
    fn tokenizes_type_right_after_backquote_with_positions() {
        let toks = tokenize("CREATE TABLE t (\n  `price`double SUM)").unwrap();
        let kinds: Vec<_> = toks.iter().map(|t| t.kind.clone()).collect();
        assert_eq!(kinds[4], TokenKind::QuotedIdent("price".into()));
        assert_eq!(kinds[5], TokenKind::Word("double".into()));
        assert_eq!((toks[5].line, toks[5].col), (2, 9));
        assert_eq!(toks.last().map(|t| t.kind.clone()), Some(TokenKind::Eof));
    }

    #[test]
    fn strings_unescape_and_unterminated_fail() {
        let toks = tokenize(r#""a\"b" 'it''s'"#).unwrap();
        assert_eq!(toks[0].kind, TokenKind::Str("a\"b".into()));
        assert_eq!(toks[1].kind, TokenKind::Str("it's".into()));
        let e = tokenize("SELECT 'abc").unwrap_err();
        assert!(e
            .message
            .starts_with("Getting syntax error at line 1, column 7."));
    }

    #[test]
    fn unexpected_names_token_and_alternatives() {
        let mut c = Cursor::new("SHOW FOO").unwrap();
        c.next_token();
        assert_eq!(
            c.unexpected(&["TABLES", "DATABASES"]).message,
            "Getting syntax error at line 1, column 5. Detail message: Unexpected input 'FOO', the most similar input is {'TABLES', 'DATABASES'}."
        );
        c.next_token();
        assert!(c.unexpected(&["("]).message.contains("'<EOF>'"));
    }

    #[test]
    fn like_is_case_insensitive_with_wildcards() {
        assert!(like_match("example%", "Example_tbl1"));
        assert!(like_match("t_", "t1"));
        assert!(!like_match("t_", "t12"));
        assert!(like_match("a\\_b", "a_b"));
        assert!(!like_match("a\\_b", "axb"));
    }
}
