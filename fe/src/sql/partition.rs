//! The partition clause of CREATE TABLE (and the partition definitions ALTER TABLE ADD
//! PARTITION reuses), after StarRocks 3.4's `StarRocks.g4` (`partitionDesc`,
//! `rangePartitionDesc`, `singleRangePartition`, `multiRangePartition`, `partitionKeyDesc`,
//! `listPartitionDesc`): every form parses into [`PartitionDesc`], which prints back as
//! parseable SQL (print then parse gives the same AST). Meaning (types, overlaps, names) is
//! checked later by `handler::partition_analysis`.
//!
//! ```text
//! PARTITION BY RANGE (c1[, c2]) ( single | batch [, ...] )
//!   single: PARTITION [IF NOT EXISTS] p VALUES LESS THAN (MAXVALUE | ("v"[, "v"]))  [("k"="v")]
//!         | PARTITION [IF NOT EXISTS] p VALUES [("lo"[, ...]), ("hi"[, ...]))      [("k"="v")]
//!   batch:  START ("s") END ("e") EVERY (INTERVAL n unit | n)
//! PARTITION BY LIST (c1[, c2]) ( PARTITION p VALUES IN ("a", "b") | (("x", "1"), ...) [, ...] )
//! PARTITION BY date_trunc('day', col) | time_slice(col, INTERVAL n unit[, floor]) [( ranges )]
//! PARTITION BY col1[, col2] | PARTITION BY (col1[, col2])
//! ```

use crate::error::SqlResult;
use crate::sql::lexer::{Cursor, TokenKind};
use std::fmt;

/// One value of a range bound as written: a literal (its text; a leading `-` kept) or
/// `MAXVALUE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionValueAst {
    Literal(String),
    MaxValue,
}

/// The bound of a single range partition (StarRocks `PartitionKeyDesc`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionKeyDesc {
    /// `VALUES LESS THAN MAXVALUE` (no parentheses).
    LessThanMaxValue,
    /// `VALUES LESS THAN ("v", ...)`.
    LessThan(Vec<PartitionValueAst>),
    /// `VALUES [("lo", ...), ("hi", ...))`.
    Fixed {
        lower: Vec<PartitionValueAst>,
        upper: Vec<PartitionValueAst>,
    },
}

/// `PARTITION [IF NOT EXISTS] p VALUES ... [(properties)]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SingleRangePartition {
    pub if_not_exists: bool,
    pub name: String,
    pub key: PartitionKeyDesc,
    pub properties: Vec<(String, String)>,
}

impl SingleRangePartition {
    /// `PARTITION name VALUES [("lower"), ("upper"))` without properties: what a batch clause
    /// or a dynamic partition expands to.
    pub fn fixed(name: String, lower: String, upper: String) -> Self {
        SingleRangePartition {
            if_not_exists: false,
            name,
            key: PartitionKeyDesc::Fixed {
                lower: vec![PartitionValueAst::Literal(lower)],
                upper: vec![PartitionValueAst::Literal(upper)],
            },
            properties: Vec::new(),
        }
    }
}

/// `EVERY (INTERVAL n unit)` or `EVERY (n)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Every {
    /// The unit as written (checked by analysis: DAY, WEEK, MONTH, YEAR, HOUR).
    Interval {
        step: i64,
        unit: String,
    },
    Number(i64),
}

/// `START ("s") END ("e") EVERY (...)` (StarRocks `MultiRangePartitionDesc`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRangePartition {
    pub start: String,
    pub end: String,
    pub every: Every,
}

/// One entry of a range partition list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangePartitionDef {
    Single(SingleRangePartition),
    Batch(BatchRangePartition),
}

/// `VALUES IN (...)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListValues {
    /// `("a", "b")`: one value each (single-column list).
    Single(Vec<String>),
    /// `(("x", "1"), ("y", "2"))`: one tuple each (multi-column list).
    Multi(Vec<Vec<String>>),
}

/// `PARTITION [IF NOT EXISTS] p VALUES IN (...) [(properties)]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPartitionDef {
    pub if_not_exists: bool,
    pub name: String,
    pub values: ListValues,
    pub properties: Vec<(String, String)>,
}

/// An argument of a partition function as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionArg {
    /// `'day'`.
    Str(String),
    /// A column name.
    Column(String),
    /// An integer.
    Number(i64),
    /// `INTERVAL n unit`.
    Interval { n: i64, unit: String },
}

/// `date_trunc('day', col)`, `time_slice(col, INTERVAL 7 day)`: name lower-cased, arguments
/// as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionCallAst {
    pub name: String,
    pub args: Vec<FunctionArg>,
}

/// The partition clause of CREATE TABLE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartitionDesc {
    Range {
        columns: Vec<String>,
        partitions: Vec<RangePartitionDef>,
    },
    List {
        columns: Vec<String>,
        partitions: Vec<ListPartitionDef>,
    },
    /// `PARTITION BY date_trunc(...)` / `time_slice(...)`, optionally with partitions created
    /// up front.
    Function {
        call: FunctionCallAst,
        partitions: Vec<RangePartitionDef>,
    },
    /// `PARTITION BY col1, col2` or, with `parenthesized`, `PARTITION BY (col1, col2)`.
    Columns {
        columns: Vec<String>,
        parenthesized: bool,
    },
}

/// Parses the clause after `PARTITION` was seen at the cursor (consumes `PARTITION BY ...`).
pub fn parse_partition_desc(c: &mut Cursor) -> SqlResult<PartitionDesc> {
    c.expect_kw("PARTITION")?;
    c.expect_kw("BY")?;
    if c.accept_kw("RANGE") {
        let columns = c.ident_list()?;
        let partitions = range_partition_list(c)?;
        return Ok(PartitionDesc::Range {
            columns,
            partitions,
        });
    }
    if c.accept_kw("LIST") {
        let columns = c.ident_list()?;
        let partitions = if c.peek().is_symbol('(') {
            list_partition_list(c)?
        } else {
            Vec::new()
        };
        return Ok(PartitionDesc::List {
            columns,
            partitions,
        });
    }
    if c.peek().is_symbol('(') {
        let columns = c.ident_list()?;
        return Ok(PartitionDesc::Columns {
            columns,
            parenthesized: true,
        });
    }
    // A function call: a name followed by `(`.
    if c.peek_at(1).is_symbol('(') && matches!(c.peek().kind, TokenKind::Word(_)) {
        let call = function_call(c)?;
        let partitions = if c.peek().is_symbol('(') {
            range_partition_list(c)?
        } else {
            Vec::new()
        };
        return Ok(PartitionDesc::Function { call, partitions });
    }
    let mut columns = vec![c.ident()?];
    while c.accept_symbol(',') {
        columns.push(c.ident()?);
    }
    Ok(PartitionDesc::Columns {
        columns,
        parenthesized: false,
    })
}

/// `( def [, def ...] )` of range partitions (may be empty: `()`).
fn range_partition_list(c: &mut Cursor) -> SqlResult<Vec<RangePartitionDef>> {
    c.expect_symbol('(')?;
    let mut v = Vec::new();
    if c.accept_symbol(')') {
        return Ok(v);
    }
    loop {
        v.push(range_partition_def(c)?);
        if c.accept_symbol(',') {
            continue;
        }
        c.expect_symbol(')')?;
        return Ok(v);
    }
}

/// One `PARTITION p VALUES ...` or `START .. END .. EVERY ..`.
pub fn range_partition_def(c: &mut Cursor) -> SqlResult<RangePartitionDef> {
    if c.peek().is_kw("START") {
        return Ok(RangePartitionDef::Batch(batch_partition(c)?));
    }
    if !c.peek().is_kw("PARTITION") {
        return Err(c.unexpected(&["PARTITION", "START"]));
    }
    Ok(RangePartitionDef::Single(single_range_partition(c)?))
}

/// `PARTITION [IF NOT EXISTS] p VALUES (LESS THAN ... | [..., ...)) [(props)]`.
pub fn single_range_partition(c: &mut Cursor) -> SqlResult<SingleRangePartition> {
    c.expect_kw("PARTITION")?;
    let if_not_exists = c.accept_kws(&["IF", "NOT", "EXISTS"]);
    let name = c.ident()?;
    c.expect_kw("VALUES")?;
    let key = partition_key_desc(c)?;
    let properties = optional_properties(c)?;
    Ok(SingleRangePartition {
        if_not_exists,
        name,
        key,
        properties,
    })
}

fn partition_key_desc(c: &mut Cursor) -> SqlResult<PartitionKeyDesc> {
    if c.accept_kw("LESS") {
        c.expect_kw("THAN")?;
        if c.accept_kw("MAXVALUE") {
            return Ok(PartitionKeyDesc::LessThanMaxValue);
        }
        return Ok(PartitionKeyDesc::LessThan(value_list(c)?));
    }
    if c.accept_symbol('[') {
        let lower = value_list(c)?;
        c.expect_symbol(',')?;
        let upper = value_list(c)?;
        c.expect_symbol(')')?;
        return Ok(PartitionKeyDesc::Fixed { lower, upper });
    }
    Err(c.unexpected(&["LESS", "["]))
}

/// `(v [, v ...])` of range values.
fn value_list(c: &mut Cursor) -> SqlResult<Vec<PartitionValueAst>> {
    c.expect_symbol('(')?;
    let mut v = vec![partition_value(c)?];
    while c.accept_symbol(',') {
        v.push(partition_value(c)?);
    }
    c.expect_symbol(')')?;
    Ok(v)
}

fn partition_value(c: &mut Cursor) -> SqlResult<PartitionValueAst> {
    if c.accept_kw("MAXVALUE") {
        return Ok(PartitionValueAst::MaxValue);
    }
    Ok(PartitionValueAst::Literal(literal(c)?))
}

/// A string or number literal, with an optional leading `-` on numbers.
fn literal(c: &mut Cursor) -> SqlResult<String> {
    let neg = c.accept_symbol('-');
    match &c.peek().kind {
        TokenKind::Str(s) if !neg => {
            let s = s.clone();
            c.next_token();
            Ok(s)
        }
        TokenKind::Number(n) => {
            let n = if neg { format!("-{n}") } else { n.clone() };
            c.next_token();
            Ok(n)
        }
        _ => Err(c.unexpected(&["<string>", "<number>"])),
    }
}

/// A possibly negative integer.
fn signed_integer(c: &mut Cursor) -> SqlResult<i64> {
    let neg = c.accept_symbol('-');
    let n = c.integer()?;
    let n = i64::try_from(n).map_err(|_| c.error_here("Number out of range"))?;
    Ok(if neg { -n } else { n })
}

fn optional_properties(c: &mut Cursor) -> SqlResult<Vec<(String, String)>> {
    if c.peek().is_symbol('(') && matches!(c.peek_at(1).kind, TokenKind::Str(_)) {
        c.property_list()
    } else {
        Ok(Vec::new())
    }
}

/// `START ("s") END ("e") EVERY (INTERVAL n unit | n)`.
pub fn batch_partition(c: &mut Cursor) -> SqlResult<BatchRangePartition> {
    c.expect_kw("START")?;
    c.expect_symbol('(')?;
    let start = c.string()?;
    c.expect_symbol(')')?;
    c.expect_kw("END")?;
    c.expect_symbol('(')?;
    let end = c.string()?;
    c.expect_symbol(')')?;
    c.expect_kw("EVERY")?;
    c.expect_symbol('(')?;
    let every = if c.accept_kw("INTERVAL") {
        let step = signed_integer(c)?;
        let unit = c.ident()?;
        Every::Interval { step, unit }
    } else {
        Every::Number(signed_integer(c)?)
    };
    c.expect_symbol(')')?;
    Ok(BatchRangePartition { start, end, every })
}

fn list_partition_list(c: &mut Cursor) -> SqlResult<Vec<ListPartitionDef>> {
    c.expect_symbol('(')?;
    let mut v = Vec::new();
    if c.accept_symbol(')') {
        return Ok(v);
    }
    loop {
        v.push(list_partition_def(c)?);
        if c.accept_symbol(',') {
            continue;
        }
        c.expect_symbol(')')?;
        return Ok(v);
    }
}

/// `PARTITION [IF NOT EXISTS] p VALUES IN (...) [(props)]`.
pub fn list_partition_def(c: &mut Cursor) -> SqlResult<ListPartitionDef> {
    c.expect_kw("PARTITION")?;
    let if_not_exists = c.accept_kws(&["IF", "NOT", "EXISTS"]);
    let name = c.ident()?;
    c.expect_kw("VALUES")?;
    c.expect_kw("IN")?;
    c.expect_symbol('(')?;
    let values = if c.peek().is_symbol('(') {
        let mut tuples = vec![literal_tuple(c)?];
        while c.accept_symbol(',') {
            tuples.push(literal_tuple(c)?);
        }
        ListValues::Multi(tuples)
    } else {
        let mut vals = vec![literal(c)?];
        while c.accept_symbol(',') {
            vals.push(literal(c)?);
        }
        ListValues::Single(vals)
    };
    c.expect_symbol(')')?;
    let properties = optional_properties(c)?;
    Ok(ListPartitionDef {
        if_not_exists,
        name,
        values,
        properties,
    })
}

fn literal_tuple(c: &mut Cursor) -> SqlResult<Vec<String>> {
    c.expect_symbol('(')?;
    let mut v = vec![literal(c)?];
    while c.accept_symbol(',') {
        v.push(literal(c)?);
    }
    c.expect_symbol(')')?;
    Ok(v)
}

fn function_call(c: &mut Cursor) -> SqlResult<FunctionCallAst> {
    let name = c.ident()?.to_ascii_lowercase();
    c.expect_symbol('(')?;
    let mut args = Vec::new();
    if !c.accept_symbol(')') {
        loop {
            args.push(function_arg(c)?);
            if c.accept_symbol(',') {
                continue;
            }
            c.expect_symbol(')')?;
            break;
        }
    }
    Ok(FunctionCallAst { name, args })
}

fn function_arg(c: &mut Cursor) -> SqlResult<FunctionArg> {
    if c.peek().is_kw("INTERVAL") && !c.peek_at(1).is_symbol(',') && !c.peek_at(1).is_symbol(')') {
        c.next_token();
        let n = signed_integer(c)?;
        let unit = c.ident()?;
        return Ok(FunctionArg::Interval { n, unit });
    }
    match &c.peek().kind {
        TokenKind::Str(s) => {
            let s = s.clone();
            c.next_token();
            Ok(FunctionArg::Str(s))
        }
        TokenKind::Number(_) => Ok(FunctionArg::Number(signed_integer(c)?)),
        TokenKind::Symbol('-') => Ok(FunctionArg::Number(signed_integer(c)?)),
        TokenKind::Word(_) | TokenKind::QuotedIdent(_) => Ok(FunctionArg::Column(c.ident()?)),
        _ => Err(c.unexpected(&["<expression>"])),
    }
}

// ------------------------------------------------------------------------------ printing

/// A double-quoted literal, escaped so that it reads back the same.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn backquoted(cols: &[String]) -> String {
    cols.iter()
        .map(|c| format!("`{}`", c.replace('`', "``")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn write_props(f: &mut fmt::Formatter<'_>, props: &[(String, String)]) -> fmt::Result {
    if props.is_empty() {
        return Ok(());
    }
    let p: Vec<String> = props
        .iter()
        .map(|(k, v)| format!("{} = {}", quote(k), quote(v)))
        .collect();
    write!(f, " ({})", p.join(", "))
}

fn literal_sql(v: &str) -> String {
    // Numbers may be written bare or quoted; quoting keeps them literals of the same text.
    quote(v)
}

impl fmt::Display for PartitionValueAst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartitionValueAst::Literal(s) => f.write_str(&literal_sql(s)),
            PartitionValueAst::MaxValue => f.write_str("MAXVALUE"),
        }
    }
}

fn values_sql(v: &[PartitionValueAst]) -> String {
    let parts: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    format!("({})", parts.join(", "))
}

impl fmt::Display for PartitionKeyDesc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartitionKeyDesc::LessThanMaxValue => f.write_str("LESS THAN MAXVALUE"),
            PartitionKeyDesc::LessThan(v) => write!(f, "LESS THAN {}", values_sql(v)),
            PartitionKeyDesc::Fixed { lower, upper } => {
                write!(f, "[{}, {})", values_sql(lower), values_sql(upper))
            }
        }
    }
}

impl fmt::Display for SingleRangePartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PARTITION ")?;
        if self.if_not_exists {
            write!(f, "IF NOT EXISTS ")?;
        }
        write!(f, "`{}` VALUES {}", self.name, self.key)?;
        write_props(f, &self.properties)
    }
}

impl fmt::Display for Every {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Every::Interval { step, unit } => write!(f, "INTERVAL {step} {unit}"),
            Every::Number(n) => write!(f, "{n}"),
        }
    }
}

impl fmt::Display for BatchRangePartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "START ({}) END ({}) EVERY ({})",
            quote(&self.start),
            quote(&self.end),
            self.every
        )
    }
}

impl fmt::Display for RangePartitionDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RangePartitionDef::Single(s) => s.fmt(f),
            RangePartitionDef::Batch(b) => b.fmt(f),
        }
    }
}

impl fmt::Display for ListPartitionDef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PARTITION ")?;
        if self.if_not_exists {
            write!(f, "IF NOT EXISTS ")?;
        }
        write!(f, "`{}` VALUES IN ", self.name)?;
        let tuple = |t: &[String]| {
            format!(
                "({})",
                t.iter()
                    .map(|v| literal_sql(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        match &self.values {
            ListValues::Single(v) => write!(f, "{}", tuple(v))?,
            ListValues::Multi(ts) => {
                let parts: Vec<String> = ts.iter().map(|t| tuple(t)).collect();
                write!(f, "({})", parts.join(", "))?;
            }
        }
        write_props(f, &self.properties)
    }
}

impl fmt::Display for FunctionArg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FunctionArg::Str(s) => write!(f, "'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
            FunctionArg::Column(c) => write!(f, "`{}`", c.replace('`', "``")),
            FunctionArg::Number(n) => write!(f, "{n}"),
            FunctionArg::Interval { n, unit } => write!(f, "INTERVAL {n} {unit}"),
        }
    }
}

impl fmt::Display for FunctionCallAst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let args: Vec<String> = self.args.iter().map(|a| a.to_string()).collect();
        write!(f, "{}({})", self.name, args.join(", "))
    }
}

fn join_defs<T: fmt::Display>(defs: &[T]) -> String {
    defs.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for PartitionDesc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartitionDesc::Range {
                columns,
                partitions,
            } => write!(
                f,
                "PARTITION BY RANGE({}) ({})",
                backquoted(columns),
                join_defs(partitions)
            ),
            PartitionDesc::List {
                columns,
                partitions,
            } => {
                write!(f, "PARTITION BY LIST({})", backquoted(columns))?;
                if !partitions.is_empty() {
                    write!(f, " ({})", join_defs(partitions))?;
                }
                Ok(())
            }
            PartitionDesc::Function { call, partitions } => {
                write!(f, "PARTITION BY {call}")?;
                if !partitions.is_empty() {
                    write!(f, " ({})", join_defs(partitions))?;
                }
                Ok(())
            }
            PartitionDesc::Columns {
                columns,
                parenthesized: true,
            } => write!(f, "PARTITION BY ({})", backquoted(columns)),
            PartitionDesc::Columns {
                columns,
                parenthesized: false,
            } => write!(f, "PARTITION BY {}", backquoted(columns)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(sql: &str) -> PartitionDesc {
        let mut c = Cursor::new(sql).unwrap();
        let d = parse_partition_desc(&mut c).unwrap();
        assert!(c.at_eof(), "trailing input in {sql}");
        d
    }

    fn round_trip(sql: &str) -> PartitionDesc {
        let a = parse(sql);
        let printed = a.to_string();
        let b = parse(&printed);
        assert_eq!(a, b, "{printed}");
        a
    }

    fn lit(s: &str) -> PartitionValueAst {
        PartitionValueAst::Literal(s.into())
    }

    #[test]
    fn range_less_than_with_maxvalue_forms() {
        let d = round_trip(
            "PARTITION BY RANGE (pay_dt) (PARTITION p1 VALUES LESS THAN (\"2020-06-01\"), PARTITION p2 VALUES LESS THAN (MAXVALUE), PARTITION p3 VALUES LESS THAN MAXVALUE)",
        );
        let PartitionDesc::Range {
            columns,
            partitions,
        } = d
        else {
            panic!("not range")
        };
        assert_eq!(columns, vec!["pay_dt"]);
        assert_eq!(
            partitions[0],
            RangePartitionDef::Single(SingleRangePartition {
                if_not_exists: false,
                name: "p1".into(),
                key: PartitionKeyDesc::LessThan(vec![lit("2020-06-01")]),
                properties: vec![],
            })
        );
        assert_eq!(
            partitions[1],
            RangePartitionDef::Single(SingleRangePartition {
                if_not_exists: false,
                name: "p2".into(),
                key: PartitionKeyDesc::LessThan(vec![PartitionValueAst::MaxValue]),
                properties: vec![],
            })
        );
        assert!(matches!(
            &partitions[2],
            RangePartitionDef::Single(SingleRangePartition {
                key: PartitionKeyDesc::LessThanMaxValue,
                ..
            })
        ));
    }

    #[test]
    fn multi_column_fixed_and_numeric_values() {
        let d = round_trip(
            "PARTITION BY RANGE(`k1`, k2) (PARTITION IF NOT EXISTS p1 VALUES LESS THAN (\"-127\"), PARTITION p2 VALUES LESS THAN (5, -1), PARTITION p3 VALUES [(\"5\", \"100\"), (\"10\", \"0\")) (\"replication_num\" = \"1\"))",
        );
        let PartitionDesc::Range { partitions, .. } = d else {
            panic!("not range")
        };
        let RangePartitionDef::Single(p1) = &partitions[0] else {
            panic!()
        };
        assert!(p1.if_not_exists);
        let RangePartitionDef::Single(p2) = &partitions[1] else {
            panic!()
        };
        assert_eq!(
            p2.key,
            PartitionKeyDesc::LessThan(vec![lit("5"), lit("-1")])
        );
        let RangePartitionDef::Single(p3) = &partitions[2] else {
            panic!()
        };
        assert_eq!(
            p3.key,
            PartitionKeyDesc::Fixed {
                lower: vec![lit("5"), lit("100")],
                upper: vec![lit("10"), lit("0")]
            }
        );
        assert_eq!(p3.properties, vec![("replication_num".into(), "1".into())]);
    }

    #[test]
    fn batch_forms_mixed_with_single_partitions() {
        let d = round_trip(
            "PARTITION BY RANGE (dt) (START (\"2021-01-01\") END (\"2021-02-01\") EVERY (INTERVAL 1 DAY), PARTITION p VALUES [(\"2021-02-01\"), (\"2021-03-01\")), START (\"2021-03-01\") END (\"2021-06-01\") EVERY (interval 1 month))",
        );
        let PartitionDesc::Range { partitions, .. } = d else {
            panic!("not range")
        };
        assert_eq!(
            partitions[0],
            RangePartitionDef::Batch(BatchRangePartition {
                start: "2021-01-01".into(),
                end: "2021-02-01".into(),
                every: Every::Interval {
                    step: 1,
                    unit: "DAY".into()
                }
            })
        );
        assert!(matches!(partitions[1], RangePartitionDef::Single(_)));
        let d = round_trip("PARTITION BY RANGE (id) (START (\"1\") END (\"100\") EVERY (10))");
        let PartitionDesc::Range { partitions, .. } = d else {
            panic!("not range")
        };
        assert_eq!(
            partitions[0],
            RangePartitionDef::Batch(BatchRangePartition {
                start: "1".into(),
                end: "100".into(),
                every: Every::Number(10)
            })
        );
        for unit in ["HOUR", "WEEK", "YEAR"] {
            round_trip(&format!(
                "PARTITION BY RANGE (dt) (START (\"2021-01-01\") END (\"2022-01-01\") EVERY (INTERVAL 2 {unit}))"
            ));
        }
    }

    #[test]
    fn list_single_and_multi_values() {
        let d = round_trip(
            "PARTITION BY LIST (city) (PARTITION pCalifornia VALUES IN (\"Los Angeles\", \"San Francisco\"), PARTITION pTexas VALUES IN ('Houston'))",
        );
        let PartitionDesc::List {
            columns,
            partitions,
        } = d
        else {
            panic!("not list")
        };
        assert_eq!(columns, vec!["city"]);
        assert_eq!(
            partitions[0].values,
            ListValues::Single(vec!["Los Angeles".into(), "San Francisco".into()])
        );
        let d = round_trip(
            "PARTITION BY LIST (c1, c2) (PARTITION p VALUES IN ((\"x\", \"1\"), (\"y\", \"2\")), PARTITION q VALUES IN ((\"z\", 3)))",
        );
        let PartitionDesc::List { partitions, .. } = d else {
            panic!("not list")
        };
        assert_eq!(
            partitions[0].values,
            ListValues::Multi(vec![
                vec!["x".into(), "1".into()],
                vec!["y".into(), "2".into()]
            ])
        );
        assert_eq!(
            partitions[1].values,
            ListValues::Multi(vec![vec!["z".into(), "3".into()]])
        );
    }

    #[test]
    fn expression_partitioning_forms() {
        let d = round_trip("PARTITION BY date_trunc('day', event_day)");
        assert_eq!(
            d,
            PartitionDesc::Function {
                call: FunctionCallAst {
                    name: "date_trunc".into(),
                    args: vec![
                        FunctionArg::Str("day".into()),
                        FunctionArg::Column("event_day".into())
                    ]
                },
                partitions: vec![]
            }
        );
        let d = round_trip("PARTITION BY time_slice(event_day, INTERVAL 7 day)");
        let PartitionDesc::Function { call, .. } = d else {
            panic!()
        };
        assert_eq!(call.name, "time_slice");
        assert_eq!(
            call.args[1],
            FunctionArg::Interval {
                n: 7,
                unit: "day".into()
            }
        );
        round_trip("PARTITION BY TIME_SLICE(`dt`, INTERVAL 1 month, floor)");
        assert_eq!(
            round_trip("PARTITION BY city, dt"),
            PartitionDesc::Columns {
                columns: vec!["city".into(), "dt".into()],
                parenthesized: false
            }
        );
        assert_eq!(
            round_trip("PARTITION BY (city, dt)"),
            PartitionDesc::Columns {
                columns: vec!["city".into(), "dt".into()],
                parenthesized: true
            }
        );
        round_trip(
            "PARTITION BY date_trunc('month', dt) (START (\"2021-01-01\") END (\"2021-03-01\") EVERY (INTERVAL 1 month))",
        );
    }

    #[test]
    fn malformed_clauses_are_syntax_errors() {
        let err = |sql: &str| {
            let mut c = Cursor::new(sql).unwrap();
            parse_partition_desc(&mut c).unwrap_err().message
        };
        assert_eq!(
            err("PARTITION BY RANGE (dt) (PARTITION p1 VALUES MORE THAN (\"1\"))"),
            "Getting syntax error at line 1, column 45. Detail message: Unexpected input 'MORE', the most similar input is {'LESS', '['}."
        );
        assert!(err("PARTITION BY RANGE dt").contains("Unexpected input 'dt'"));
        assert!(err("PARTITION BY RANGE (dt) (START (\"a\") END (\"b\"))").contains("'EVERY'"));
        assert!(err("PARTITION BY RANGE (dt) (FOO)").contains("{'PARTITION', 'START'}"));
        assert!(err("PARTITION BY LIST (c) (PARTITION p VALUES (\"a\"))").contains("'IN'"));
        assert!(err("PARTITION BY").contains("'<EOF>'"));
    }
}
