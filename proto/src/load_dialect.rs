//! The SQL dialect of routine load COLUMNS and WHERE expressions, shared by the FE (which
//! parses them at CREATE / ALTER and prints them back) and the BE (which compiles and
//! evaluates them), so both accept exactly the same text.
//!
//! It is sqlparser's MySQL dialect plus StarRocks's lambda expressions (`x -> x + 1`,
//! `(x, y) -> x > y`, StarRocks.g4 `lambdaFunction`), which sqlparser enables only for a few
//! dialects. Every MySQL behaviour is forwarded, and `dialect()` answers MySQL's type id so the
//! parser's `dialect_of!(... is MySqlDialect)` branches still apply.

use sqlparser::ast::Expr;
use sqlparser::dialect::{Dialect, MySqlDialect};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use std::any::TypeId;

/// MySQL with lambda functions.
#[derive(Debug, Default, Clone, Copy)]
pub struct LoadExprDialect(MySqlDialect);

impl Dialect for LoadExprDialect {
    fn dialect(&self) -> TypeId {
        TypeId::of::<MySqlDialect>()
    }
    fn supports_lambda_functions(&self) -> bool {
        true
    }
    /// `CAST(x AS MAP<VARCHAR, JSON>)`, StarRocks's MAP type syntax.
    fn supports_map_literal_with_angle_brackets(&self) -> bool {
        true
    }
    fn is_identifier_start(&self, ch: char) -> bool {
        self.0.is_identifier_start(ch)
    }
    fn is_identifier_part(&self, ch: char) -> bool {
        self.0.is_identifier_part(ch)
    }
    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        self.0.is_delimited_identifier_start(ch)
    }
    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        self.0.identifier_quote_style(identifier)
    }
    fn supports_string_literal_backslash_escape(&self) -> bool {
        self.0.supports_string_literal_backslash_escape()
    }
    fn supports_string_literal_concatenation(&self) -> bool {
        self.0.supports_string_literal_concatenation()
    }
    fn ignores_wildcard_escapes(&self) -> bool {
        self.0.ignores_wildcard_escapes()
    }
    fn supports_numeric_prefix(&self) -> bool {
        self.0.supports_numeric_prefix()
    }
    fn supports_bitwise_shift_operators(&self) -> bool {
        self.0.supports_bitwise_shift_operators()
    }
    fn supports_multiline_comment_hints(&self) -> bool {
        self.0.supports_multiline_comment_hints()
    }
    fn parse_infix(
        &self,
        parser: &mut Parser,
        expr: &Expr,
        precedence: u8,
    ) -> Option<Result<Expr, ParserError>> {
        self.0.parse_infix(parser, expr, precedence)
    }
    fn require_interval_qualifier(&self) -> bool {
        self.0.require_interval_qualifier()
    }
    fn supports_limit_comma(&self) -> bool {
        self.0.supports_limit_comma()
    }
    fn is_table_factor_alias(&self, explicit: bool, kw: &Keyword, parser: &mut Parser) -> bool {
        self.0.is_table_factor_alias(explicit, kw, parser)
    }
    fn requires_single_line_comment_whitespace(&self) -> bool {
        self.0.requires_single_line_comment_whitespace()
    }
    fn supports_match_against(&self) -> bool {
        self.0.supports_match_against()
    }
    fn supports_data_type_signed_suffix(&self) -> bool {
        self.0.supports_data_type_signed_suffix()
    }
    fn supports_double_ampersand_operator(&self) -> bool {
        self.0.supports_double_ampersand_operator()
    }
    fn supports_binary_kw_as_cast(&self) -> bool {
        self.0.supports_binary_kw_as_cast()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(sql: &str) -> Result<Expr, ParserError> {
        Parser::new(&LoadExprDialect::default())
            .try_with_sql(sql)?
            .parse_expr()
    }

    #[test]
    fn lambdas_parse_and_mysql_stays() {
        for sql in [
            "array_map(x -> x + 1, arr)",
            "array_map((x, y) -> x + y, a, b)",
            "any_match(x -> x > 2 AND x < 9, arr)",
            "array_filter(item -> get_json_string(item, '$.type') = 'type1', CAST(parse_json(t) AS ARRAY<JSON>))[1]",
            "map_filter((k, v) -> get_json_string(v, '$.type') = 'type1', m)",
            "CAST(parse_json(t) AS MAP<string,json>)",
            "a DIV 2",
        ] {
            let e = parse(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
            assert!(!format!("{e:?}").is_empty());
        }
        assert!(format!("{:?}", parse("array_map(x -> x + 1, arr)").unwrap()).contains("Lambda"));
        // MySQL's integer division keeps working through the forwarded infix parser.
        assert!(format!("{:?}", parse("a DIV 2").unwrap()).contains("MyIntegerDivide"));
    }
}
