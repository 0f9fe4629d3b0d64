//! Parser for the ddl statement family (see `sql.rs` for the dispatch): CREATE/DROP DATABASE,
//! CREATE/DROP/TRUNCATE TABLE, SHOW DATABASES/TABLES/COLUMNS/CREATE TABLE/CREATE DATABASE/
//! TABLE STATUS/INDEX, DESC. Grammar after StarRocks's `StarRocks.g4` (`createTableStatement`,
//! `columnDesc`, `keyDesc`, `distributionDesc`); the AST prints back as parseable SQL.

use crate::catalog::types::{
    DataType, DecimalKind, MAX_CHAR_LENGTH, MAX_DECIMAL_PRECISION, MAX_VARCHAR_LENGTH,
    STRING_LENGTH,
};
use crate::catalog::{AggType, DefaultValue, KeysType};
use crate::error::{SqlError, SqlResult};
use crate::sql::lexer::{Cursor, TokenKind};
use crate::sql::partition::{parse_partition_desc, PartitionDesc};
use std::fmt;

/// `[db.]name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRef {
    pub db: Option<String>,
    pub table: String,
}

impl fmt::Display for TableRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(db) = &self.db {
            write!(f, "`{db}`.")?;
        }
        write!(f, "`{}`", self.table)
    }
}

/// One column of CREATE TABLE as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDefAst {
    pub name: String,
    pub data_type: DataType,
    pub agg: Option<AggType>,
    /// `Some(true)` for `NULL`, `Some(false)` for `NOT NULL`, None when not written.
    pub nullable: Option<bool>,
    pub default: Option<DefaultValue>,
    /// `DEFAULT NULL` was written.
    pub default_null: bool,
    pub auto_increment: bool,
    pub comment: Option<String>,
}

/// `DISTRIBUTED BY ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributionDesc {
    /// HASH columns; None = RANDOM.
    pub hash: Option<Vec<String>>,
    pub buckets: Option<u64>,
}

/// CREATE TABLE as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateTableStmt {
    pub if_not_exists: bool,
    pub table: TableRef,
    pub columns: Vec<ColumnDefAst>,
    pub engine: Option<String>,
    pub keys: Option<(KeysType, Vec<String>)>,
    pub comment: Option<String>,
    /// `PARTITION BY ...` (parsed; CREATE TABLE still refuses it, see `handler::ddl`).
    pub partition: Option<PartitionDesc>,
    pub distribution: Option<DistributionDesc>,
    pub order_by: Option<Vec<String>>,
    pub properties: Vec<(String, String)>,
}

/// A parsed ddl statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DdlStmt {
    CreateDatabase {
        name: String,
        if_not_exists: bool,
    },
    DropDatabase {
        name: String,
        if_exists: bool,
        force: bool,
    },
    ShowDatabases {
        pattern: Option<String>,
    },
    ShowTables {
        db: Option<String>,
        full: bool,
        pattern: Option<String>,
    },
    ShowColumns {
        table: TableRef,
        full: bool,
        pattern: Option<String>,
    },
    Desc {
        table: TableRef,
        all: bool,
    },
    ShowCreateTable {
        table: TableRef,
    },
    ShowCreateDatabase {
        name: String,
    },
    ShowTableStatus {
        db: Option<String>,
        pattern: Option<String>,
    },
    ShowIndex {
        table: TableRef,
    },
    /// `SHOW DATA [FROM [db.]t]`: the name after FROM is always a table (AstBuilder's
    /// `qualifiedNameToTableName`); without it, every table of the current database.
    ShowData {
        table: Option<TableRef>,
    },
    CreateTable(Box<CreateTableStmt>),
    DropTable {
        table: TableRef,
        if_exists: bool,
        force: bool,
    },
    TruncateTable {
        table: TableRef,
        /// `PARTITION (p1, ...)`: only these partitions.
        partitions: Option<Vec<String>>,
    },
}

/// Leading words of the statements this family owns.
fn owns(words: &[String]) -> bool {
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    match w(0) {
        "CREATE" => {
            matches!(
                w(1),
                "DATABASE" | "SCHEMA" | "TABLE" | "EXTERNAL" | "TEMPORARY"
            )
        }
        "DROP" => matches!(w(1), "DATABASE" | "SCHEMA" | "TABLE"),
        "TRUNCATE" => true,
        "DESC" | "DESCRIBE" => !matches!(w(1), "SELECT" | "WITH" | "INSERT" | ""),
        "SHOW" => match w(1) {
            "DATABASES" | "SCHEMAS" | "TABLES" | "COLUMNS" | "FIELDS" | "INDEX" | "INDEXES"
            | "KEYS" => true,
            "FULL" => matches!(w(2), "TABLES" | "COLUMNS" | "FIELDS"),
            "CREATE" => matches!(w(2), "TABLE" | "DATABASE" | "SCHEMA"),
            "TABLE" => w(2) == "STATUS",
            "DATA" => true,
            _ => false,
        },
        _ => false,
    }
}

/// The first few words, upper-cased (punctuation splits words).
pub(crate) fn leading_words(sql: &str, n: usize) -> Vec<String> {
    sql.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(n)
        .map(|w| w.to_ascii_uppercase())
        .collect()
}

/// Returns None when `sql` is not a statement of this family.
pub fn try_parse(sql: &str) -> Option<SqlResult<DdlStmt>> {
    if !owns(&leading_words(sql, 3)) {
        return None;
    }
    Some(Cursor::new(sql).and_then(|mut c| parse(&mut c)))
}

fn parse(c: &mut Cursor) -> SqlResult<DdlStmt> {
    let stmt = if c.accept_kw("CREATE") {
        if c.accept_kw("DATABASE") || c.accept_kw("SCHEMA") {
            let if_not_exists = c.accept_kws(&["IF", "NOT", "EXISTS"]);
            let name = db_name(c)?;
            if c.accept_kw("PROPERTIES") {
                c.property_list()?;
            }
            DdlStmt::CreateDatabase {
                name,
                if_not_exists,
            }
        } else {
            if c.peek().is_kw("EXTERNAL") || c.peek().is_kw("TEMPORARY") {
                return Err(SqlError::plain(format!(
                    "{} tables are not supported by starload",
                    c.peek().text.to_ascii_uppercase()
                )));
            }
            c.expect_kw("TABLE")?;
            DdlStmt::CreateTable(Box::new(create_table(c)?))
        }
    } else if c.accept_kw("DROP") {
        if c.accept_kw("DATABASE") || c.accept_kw("SCHEMA") {
            let if_exists = c.accept_kws(&["IF", "EXISTS"]);
            let name = db_name(c)?;
            let force = c.accept_kw("FORCE");
            DdlStmt::DropDatabase {
                name,
                if_exists,
                force,
            }
        } else {
            c.expect_kw("TABLE")?;
            let if_exists = c.accept_kws(&["IF", "EXISTS"]);
            let table = table_ref(c)?;
            let force = c.accept_kw("FORCE");
            DdlStmt::DropTable {
                table,
                if_exists,
                force,
            }
        }
    } else if c.accept_kw("TRUNCATE") {
        c.expect_kw("TABLE")?;
        let table = table_ref(c)?;
        let partitions = if c.accept_kw("PARTITION") || c.accept_kw("PARTITIONS") {
            Some(c.ident_list()?)
        } else {
            None
        };
        DdlStmt::TruncateTable { table, partitions }
    } else if c.accept_kw("DESC") || c.accept_kw("DESCRIBE") {
        let table = table_ref(c)?;
        let all = c.accept_kw("ALL");
        DdlStmt::Desc { table, all }
    } else {
        c.expect_kw("SHOW")?;
        show(c)?
    };
    c.expect_eof()?;
    Ok(stmt)
}

fn show(c: &mut Cursor) -> SqlResult<DdlStmt> {
    if c.accept_kw("DATABASES") || c.accept_kw("SCHEMAS") {
        if c.accept_kw("FROM") || c.accept_kw("IN") {
            // catalog name: only the internal catalog exists
            let catalog = c.ident()?;
            if !catalog.eq_ignore_ascii_case("default_catalog") {
                return Err(SqlError::plain(format!("Unknown catalog '{catalog}'")));
            }
        }
        let pattern = like(c)?;
        return Ok(DdlStmt::ShowDatabases { pattern });
    }
    if c.accept_kw("CREATE") {
        if c.accept_kw("DATABASE") || c.accept_kw("SCHEMA") {
            return Ok(DdlStmt::ShowCreateDatabase { name: db_name(c)? });
        }
        c.expect_kw("TABLE")?;
        return Ok(DdlStmt::ShowCreateTable {
            table: table_ref(c)?,
        });
    }
    if c.accept_kws(&["TABLE", "STATUS"]) {
        let db = from_db(c)?;
        let pattern = like(c)?;
        return Ok(DdlStmt::ShowTableStatus { db, pattern });
    }
    if c.accept_kw("DATA") {
        let table = if c.accept_kw("FROM") {
            Some(table_ref(c)?)
        } else {
            None
        };
        return Ok(DdlStmt::ShowData { table });
    }
    if c.accept_kw("INDEX") || c.accept_kw("INDEXES") || c.accept_kw("KEYS") {
        if !(c.accept_kw("FROM") || c.accept_kw("IN")) {
            return Err(c.unexpected(&["FROM", "IN"]));
        }
        let mut table = table_ref(c)?;
        if let Some(db) = from_db(c)? {
            table.db = Some(db);
        }
        return Ok(DdlStmt::ShowIndex { table });
    }
    let full = c.accept_kw("FULL");
    if c.accept_kw("TABLES") {
        let db = from_db(c)?;
        let pattern = like(c)?;
        return Ok(DdlStmt::ShowTables { db, full, pattern });
    }
    if c.accept_kw("COLUMNS") || c.accept_kw("FIELDS") {
        if !(c.accept_kw("FROM") || c.accept_kw("IN")) {
            return Err(c.unexpected(&["FROM", "IN"]));
        }
        let mut table = table_ref(c)?;
        if let Some(db) = from_db(c)? {
            table.db = Some(db);
        }
        let pattern = like(c)?;
        return Ok(DdlStmt::ShowColumns {
            table,
            full,
            pattern,
        });
    }
    Err(c.unexpected(&["TABLES", "COLUMNS", "FIELDS"]))
}

/// Optional `FROM|IN db`.
fn from_db(c: &mut Cursor) -> SqlResult<Option<String>> {
    if c.accept_kw("FROM") || c.accept_kw("IN") {
        Ok(Some(db_name(c)?))
    } else {
        Ok(None)
    }
}

/// Optional `LIKE 'pattern'`; WHERE is not supported on these statements.
fn like(c: &mut Cursor) -> SqlResult<Option<String>> {
    if c.accept_kw("LIKE") {
        Ok(Some(c.string()?))
    } else if c.peek().is_kw("WHERE") {
        Err(SqlError::plain(
            "WHERE is not supported on this SHOW statement by starload; use LIKE",
        ))
    } else {
        Ok(None)
    }
}

/// A database name, optionally `catalog.db` (only `default_catalog`).
fn db_name(c: &mut Cursor) -> SqlResult<String> {
    let (first, second) = c.qualified_name()?;
    match first {
        Some(cat) if !cat.eq_ignore_ascii_case("default_catalog") => {
            Err(SqlError::plain(format!("Unknown catalog '{cat}'")))
        }
        _ => Ok(second),
    }
}

pub(crate) fn table_ref(c: &mut Cursor) -> SqlResult<TableRef> {
    let (db, table) = c.qualified_name()?;
    // `catalog.db.table` with the internal catalog.
    if c.accept_symbol('.') {
        let t = c.ident()?;
        return Ok(TableRef {
            db: Some(table),
            table: t,
        });
    }
    Ok(TableRef { db, table })
}

/// Optional `DISTRIBUTED BY HASH(cols) [BUCKETS n] | RANDOM [BUCKETS n]` (CREATE TABLE, ADD
/// PARTITION).
pub(crate) fn distribution_desc(c: &mut Cursor) -> SqlResult<Option<DistributionDesc>> {
    if !c.accept_kw("DISTRIBUTED") {
        return Ok(None);
    }
    c.expect_kw("BY")?;
    let hash = if c.accept_kw("HASH") {
        Some(c.ident_list()?)
    } else if c.accept_kw("RANDOM") {
        None
    } else {
        return Err(c.unexpected(&["HASH", "RANDOM"]));
    };
    let buckets = if c.accept_kw("BUCKETS") {
        Some(c.integer()?)
    } else {
        None
    };
    Ok(Some(DistributionDesc { hash, buckets }))
}

fn create_table(c: &mut Cursor) -> SqlResult<CreateTableStmt> {
    let if_not_exists = c.accept_kws(&["IF", "NOT", "EXISTS"]);
    let table = table_ref(c)?;
    c.expect_symbol('(')?;
    let mut columns = Vec::new();
    loop {
        if c.peek().is_kw("INDEX") {
            return Err(SqlError::plain(
                "INDEX definitions are not supported by starload",
            ));
        }
        columns.push(column_def(c)?);
        if c.accept_symbol(',') {
            continue;
        }
        if c.accept_symbol(')') {
            break;
        }
        return Err(c.unexpected(&[",", ")"]));
    }
    let mut stmt = CreateTableStmt {
        if_not_exists,
        table,
        columns,
        engine: None,
        keys: None,
        comment: None,
        partition: None,
        distribution: None,
        order_by: None,
        properties: Vec::new(),
    };
    if c.accept_kw("ENGINE") {
        c.expect_symbol('=')?;
        stmt.engine = Some(c.ident()?);
    }
    for (kw, kt) in [
        ("DUPLICATE", KeysType::Duplicate),
        ("AGGREGATE", KeysType::Aggregate),
        ("UNIQUE", KeysType::Unique),
        ("PRIMARY", KeysType::Primary),
    ] {
        if c.accept_kw(kw) {
            c.expect_kw("KEY")?;
            stmt.keys = Some((kt, c.ident_list()?));
            break;
        }
    }
    if c.accept_kw("COMMENT") {
        stmt.comment = Some(c.string()?);
    }
    if c.peek().is_kw("PARTITION") {
        stmt.partition = Some(parse_partition_desc(c)?);
    }
    stmt.distribution = distribution_desc(c)?;
    if c.peek().is_kw("ROLLUP") {
        return Err(SqlError::plain("ROLLUP is not supported by starload"));
    }
    if c.accept_kw("ORDER") {
        c.expect_kw("BY")?;
        stmt.order_by = Some(c.ident_list()?);
    }
    if c.accept_kw("PROPERTIES") {
        stmt.properties = c.property_list()?;
    }
    if c.peek().is_kw("AS") {
        return Err(SqlError::plain(
            "CREATE TABLE AS SELECT is not supported by starload",
        ));
    }
    if !c.at_eof() && !c.peek().is_symbol(';') {
        return Err(c.unexpected(&[
            "ENGINE",
            "DUPLICATE",
            "AGGREGATE",
            "UNIQUE",
            "PRIMARY",
            "COMMENT",
            "PARTITION",
            "DISTRIBUTED",
            "ORDER",
            "PROPERTIES",
        ]));
    }
    Ok(stmt)
}

fn column_def(c: &mut Cursor) -> SqlResult<ColumnDefAst> {
    let name = c.ident()?;
    let data_type = parse_type(c)?;
    let mut col = ColumnDefAst {
        name,
        data_type,
        agg: None,
        nullable: None,
        default: None,
        default_null: false,
        auto_increment: false,
        comment: None,
    };
    let word = match &c.peek().kind {
        TokenKind::Word(w) => Some(w.clone()),
        _ => None,
    };
    if let Some(w) = word {
        if let Some(a) = AggType::from_name(&w) {
            c.next_token();
            col.agg = Some(a);
        } else if ["HLL_UNION", "BITMAP_UNION", "PERCENTILE_UNION"]
            .iter()
            .any(|k| w.eq_ignore_ascii_case(k))
        {
            return Err(SqlError::plain(format!(
                "Aggregate type {} is not supported by starload",
                w.to_ascii_uppercase()
            )));
        }
    }
    if c.accept_kws(&["NOT", "NULL"]) {
        col.nullable = Some(false);
    } else if c.accept_kw("NULL") {
        col.nullable = Some(true);
    }
    if c.accept_kw("DEFAULT") {
        if c.accept_kw("CURRENT_TIMESTAMP") {
            col.default = Some(DefaultValue::CurrentTimestamp);
        } else if c.accept_kw("NULL") {
            col.default_null = true;
        } else {
            match &c.peek().kind {
                TokenKind::Str(s) => {
                    col.default = Some(DefaultValue::Literal(s.clone()));
                    c.next_token();
                }
                TokenKind::Number(n) => {
                    col.default = Some(DefaultValue::Literal(n.clone()));
                    c.next_token();
                }
                TokenKind::Symbol('-') => {
                    c.next_token();
                    match &c.peek().kind {
                        TokenKind::Number(n) => {
                            col.default = Some(DefaultValue::Literal(format!("-{n}")));
                            c.next_token();
                        }
                        _ => return Err(c.unexpected(&["<number>"])),
                    }
                }
                _ => return Err(c.unexpected(&["<string>", "NULL", "CURRENT_TIMESTAMP"])),
            }
        }
    } else if c.accept_kw("AUTO_INCREMENT") {
        col.auto_increment = true;
    }
    if c.accept_kw("COMMENT") {
        col.comment = Some(c.string()?);
    }
    Ok(col)
}

fn analyzing(detail: String) -> SqlError {
    SqlError::analyzing(detail)
}

/// Optional `(n)` after an integer type: the MySQL display width, accepted and ignored.
fn skip_width(c: &mut Cursor) -> SqlResult<()> {
    if c.accept_symbol('(') {
        c.integer()?;
        c.expect_symbol(')')?;
    }
    Ok(())
}

/// A column type: every StarRocks scalar type starload stores, plus ARRAY<T>.
pub fn parse_type(c: &mut Cursor) -> SqlResult<DataType> {
    let tok = c.peek().clone();
    let TokenKind::Word(w) = &tok.kind else {
        return Err(c.unexpected(&["<type>"]));
    };
    let up = w.to_ascii_uppercase();
    c.next_token();
    let t = match up.as_str() {
        "BOOLEAN" | "BOOL" => DataType::Boolean,
        "TINYINT" => {
            skip_width(c)?;
            DataType::Tinyint
        }
        "SMALLINT" => {
            skip_width(c)?;
            DataType::Smallint
        }
        "INT" | "INTEGER" => {
            skip_width(c)?;
            DataType::Int
        }
        "BIGINT" => {
            skip_width(c)?;
            DataType::Bigint
        }
        "LARGEINT" => {
            skip_width(c)?;
            DataType::Largeint
        }
        "FLOAT" => DataType::Float,
        "DOUBLE" => DataType::Double,
        "DECIMAL" | "NUMERIC" | "NUMBER" | "DECIMALV2" | "DECIMAL32" | "DECIMAL64"
        | "DECIMAL128" => {
            let (mut p, mut s) = (10u64, 0u64);
            if c.accept_symbol('(') {
                p = c.integer()?;
                if c.accept_symbol(',') {
                    s = c.integer()?;
                }
                c.expect_symbol(')')?;
            }
            let max = match up.as_str() {
                "DECIMAL32" => 9,
                "DECIMAL64" => 18,
                "DECIMALV2" => 27,
                _ => MAX_DECIMAL_PRECISION as u64,
            };
            if p < 1 || p > max {
                return Err(analyzing(format!(
                    "Precision of {up} must between 1 and {max}, precision was set to: {p}"
                )));
            }
            if s > p {
                return Err(analyzing(format!(
                    "Scale of decimal must between 0 and precision. Scale was set to: {s}, precision was set to: {p}"
                )));
            }
            let kind = match up.as_str() {
                "DECIMALV2" => DecimalKind::V2,
                "DECIMAL32" => DecimalKind::D32,
                "DECIMAL64" => DecimalKind::D64,
                "DECIMAL128" => DecimalKind::D128,
                _ => DecimalKind::narrowest(p as u32),
            };
            DataType::Decimal {
                kind,
                precision: p as u32,
                scale: s as u32,
            }
        }
        "DATE" => DataType::Date,
        "DATETIME" => DataType::Datetime,
        "CHAR" | "VARCHAR" => {
            let len = if c.accept_symbol('(') {
                let n = c.integer()?;
                c.expect_symbol(')')?;
                Some(n)
            } else {
                None
            };
            let max = if up == "CHAR" {
                MAX_CHAR_LENGTH as u64
            } else {
                MAX_VARCHAR_LENGTH as u64
            };
            if let Some(n) = len {
                if n < 1 || n > max {
                    return Err(analyzing(format!(
                        "{} size must be between 1 and {max}, but was set to: {n}",
                        up.to_lowercase()
                    )));
                }
            }
            // A bare CHAR / VARCHAR has length 1 (CREATE_TABLE.md: "default 1").
            let len = Some(len.unwrap_or(1) as u32);
            if up == "CHAR" {
                DataType::Char(len)
            } else {
                DataType::Varchar(len)
            }
        }
        "STRING" => DataType::Varchar(Some(STRING_LENGTH)),
        "JSON" => DataType::Json,
        "ARRAY" => {
            c.expect_symbol('<')?;
            let item = parse_type(c)?;
            c.expect_symbol('>')?;
            DataType::Array(Box::new(item))
        }
        _ => {
            return Err(analyzing(format!(
                "Type '{}' is not supported by starload",
                w.to_ascii_lowercase()
            )));
        }
    };
    Ok(t)
}

fn quote(s: &str) -> String {
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    )
}

impl fmt::Display for ColumnDefAst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` {}", self.name, self.data_type)?;
        if let Some(a) = self.agg {
            write!(f, " {}", a.name())?;
        }
        match self.nullable {
            Some(true) => write!(f, " NULL")?,
            Some(false) => write!(f, " NOT NULL")?,
            None => {}
        }
        match &self.default {
            Some(DefaultValue::Literal(v)) => write!(f, " DEFAULT {}", quote(v))?,
            Some(DefaultValue::CurrentTimestamp) => write!(f, " DEFAULT CURRENT_TIMESTAMP")?,
            None if self.default_null => write!(f, " DEFAULT NULL")?,
            None => {}
        }
        if self.auto_increment {
            write!(f, " AUTO_INCREMENT")?;
        }
        if let Some(cm) = &self.comment {
            write!(f, " COMMENT {}", quote(cm))?;
        }
        Ok(())
    }
}

fn backquoted(cols: &[String]) -> String {
    cols.iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for CreateTableStmt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CREATE TABLE ")?;
        if self.if_not_exists {
            write!(f, "IF NOT EXISTS ")?;
        }
        write!(f, "{} (", self.table)?;
        let cols: Vec<String> = self.columns.iter().map(|c| c.to_string()).collect();
        write!(f, "{})", cols.join(", "))?;
        if let Some(e) = &self.engine {
            write!(f, " ENGINE={e}")?;
        }
        if let Some((k, cols)) = &self.keys {
            write!(f, " {}({})", k.to_sql(), backquoted(cols))?;
        }
        if let Some(cm) = &self.comment {
            write!(f, " COMMENT {}", quote(cm))?;
        }
        if let Some(p) = &self.partition {
            write!(f, " {p}")?;
        }
        if let Some(d) = &self.distribution {
            match &d.hash {
                Some(cols) => write!(f, " DISTRIBUTED BY HASH({})", backquoted(cols))?,
                None => write!(f, " DISTRIBUTED BY RANDOM")?,
            }
            if let Some(b) = d.buckets {
                write!(f, " BUCKETS {b}")?;
            }
        }
        if let Some(o) = &self.order_by {
            write!(f, " ORDER BY({})", backquoted(o))?;
        }
        if !self.properties.is_empty() {
            let props: Vec<String> = self
                .properties
                .iter()
                .map(|(k, v)| format!("{} = {}", quote(k), quote(v)))
                .collect();
            write!(f, " PROPERTIES ({})", props.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const SEED_TBL1: &str = "CREATE TABLE example_db.example_tbl1 ( \n    `order_id` bigint NOT NULL COMMENT \"Order ID\",\n    `pay_dt` date NOT NULL COMMENT \"Payment date\", \n    `customer_name` varchar(26) NULL COMMENT \"Customer name\", \n    `nationality` varchar(26) NULL COMMENT \"Nationality\", \n    `price`double NULL COMMENT \"Price\"\n) \nENGINE=OLAP \nDUPLICATE KEY (order_id,pay_dt) \nDISTRIBUTED BY HASH(`order_id`)";

    pub(crate) const SEED_TBL2: &str = "CREATE TABLE `example_tbl2` ( \n    `commodity_id` varchar(26) NULL COMMENT \"Commodity ID\", \n    `customer_name` varchar(26) NULL COMMENT \"Customer name\", \n    `country` varchar(26) NULL COMMENT \"Country\", \n    `pay_time` bigint(20) NULL COMMENT \"Payment time\", \n    `pay_dt` date NULL COMMENT \"Payment date\", \n    `price`double SUM NULL COMMENT \"Price\"\n) \nENGINE=OLAP\nAGGREGATE KEY(`commodity_id`,`customer_name`,`country`,`pay_time`,`pay_dt`) \nDISTRIBUTED BY HASH(`commodity_id`)";

    fn ct(sql: &str) -> CreateTableStmt {
        match try_parse(sql).expect("owned").expect("parses") {
            DdlStmt::CreateTable(s) => *s,
            other => panic!("not create table: {other:?}"),
        }
    }

    #[test]
    fn show_data_names_a_table_after_from() {
        let p = |s: &str| try_parse(s).expect("owned").expect("parses");
        assert_eq!(p("SHOW DATA"), DdlStmt::ShowData { table: None });
        assert_eq!(
            p("show data from t1"),
            DdlStmt::ShowData {
                table: Some(TableRef {
                    db: None,
                    table: "t1".into()
                })
            }
        );
        assert_eq!(
            p("SHOW DATA FROM d.t1;"),
            DdlStmt::ShowData {
                table: Some(TableRef {
                    db: Some("d".into()),
                    table: "t1".into()
                })
            }
        );
        let e = try_parse("SHOW DATA t1").unwrap().unwrap_err();
        assert!(e.message.contains("Unexpected input 't1'"), "{}", e.message);
    }

    #[test]
    fn seed_tables_parse_verbatim() {
        let s = ct(SEED_TBL1);
        assert_eq!(s.table.db.as_deref(), Some("example_db"));
        assert_eq!(s.columns.len(), 5);
        assert_eq!(s.columns[4].name, "price");
        assert_eq!(s.columns[4].data_type, DataType::Double);
        assert_eq!(
            s.keys,
            Some((
                KeysType::Duplicate,
                vec!["order_id".to_string(), "pay_dt".to_string()]
            ))
        );
        let s = ct(SEED_TBL2);
        assert_eq!(s.columns[3].data_type, DataType::Bigint);
        assert_eq!(s.columns[5].agg, Some(AggType::Sum));
        assert_eq!(
            s.distribution,
            Some(DistributionDesc {
                hash: Some(vec!["commodity_id".into()]),
                buckets: None
            })
        );
    }

    #[test]
    fn create_table_round_trips_through_display() {
        for sql in [
            SEED_TBL1,
            SEED_TBL2,
            "CREATE TABLE IF NOT EXISTS t (k int(11) NOT NULL DEFAULT \"0\" COMMENT 'k', v decimal(10, 2) REPLACE_IF_NOT_NULL, a array<array<varchar(10)>>, j json, s string, ts datetime DEFAULT CURRENT_TIMESTAMP) UNIQUE KEY(k) COMMENT \"tbl\" DISTRIBUTED BY RANDOM BUCKETS 3 ORDER BY (k) PROPERTIES (\"replication_num\" = \"1\")",
            "CREATE TABLE t (dt date, v int) DUPLICATE KEY(dt) PARTITION BY RANGE(dt) (PARTITION p1 VALUES LESS THAN (\"2020-06-01\"), START (\"2020-06-01\") END (\"2020-07-01\") EVERY (INTERVAL 1 DAY)) DISTRIBUTED BY HASH(dt)",
            "CREATE TABLE t (dt date, v int) PARTITION BY date_trunc('day', dt) DISTRIBUTED BY HASH(dt)",
            "CREATE TABLE t (c varchar(10), v int) PARTITION BY c, v DISTRIBUTED BY RANDOM",
        ] {
            let a = ct(sql);
            let printed = a.to_string();
            let b = ct(&printed);
            assert_eq!(a, b, "{printed}");
        }
    }

    #[test]
    fn show_and_drop_statements() {
        let p = |s: &str| try_parse(s).expect("owned").expect("parses");
        assert_eq!(
            p("SHOW FULL TABLES FROM db1 LIKE 'ex%'"),
            DdlStmt::ShowTables {
                db: Some("db1".into()),
                full: true,
                pattern: Some("ex%".into())
            }
        );
        assert_eq!(
            p("show full columns from t from d"),
            DdlStmt::ShowColumns {
                table: TableRef {
                    db: Some("d".into()),
                    table: "t".into()
                },
                full: true,
                pattern: None
            }
        );
        assert_eq!(
            p("DROP TABLE IF EXISTS d.t FORCE;"),
            DdlStmt::DropTable {
                table: TableRef {
                    db: Some("d".into()),
                    table: "t".into()
                },
                if_exists: true,
                force: true
            }
        );
        assert_eq!(
            p("DESC `t`"),
            DdlStmt::Desc {
                table: TableRef {
                    db: None,
                    table: "t".into()
                },
                all: false
            }
        );
        assert!(matches!(
            p("show create database d"),
            DdlStmt::ShowCreateDatabase { .. }
        ));
        assert!(matches!(p("SHOW KEYS FROM t"), DdlStmt::ShowIndex { .. }));
        assert!(matches!(
            p("SHOW TABLE STATUS"),
            DdlStmt::ShowTableStatus { .. }
        ));
        assert!(try_parse("SHOW FULL PROCESSLIST").is_none());
        assert!(try_parse("SHOW CREATE ROUTINE LOAD x").is_none());
        assert!(try_parse("SELECT 1").is_none());
    }

    #[test]
    fn syntax_errors_have_positions() {
        let e = try_parse("CREATE TABLE t (k int) DISTRIBUTED BY FOO(k)")
            .unwrap()
            .unwrap_err();
        assert_eq!(e.errno, 1064);
        assert_eq!(
            e.message,
            "Getting syntax error at line 1, column 38. Detail message: Unexpected input 'FOO', the most similar input is {'HASH', 'RANDOM'}."
        );
        let e = try_parse("CREATE DATABASE").unwrap().unwrap_err();
        assert!(
            e.message.contains("Unexpected input '<EOF>'"),
            "{}",
            e.message
        );
        let e = try_parse("CREATE TABLE t (k decimal(40,2))")
            .unwrap()
            .unwrap_err();
        assert!(
            e.message.starts_with("Getting analyzing error."),
            "{}",
            e.message
        );
    }
}
