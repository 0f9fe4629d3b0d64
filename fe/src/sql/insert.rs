//! INSERT and DELETE (StarRocks.g4 `insertStatement`, `deleteStatement`):
//!
//! ```text
//! INSERT { INTO | OVERWRITE } [TABLE] [db.]t [PARTITION (p1, ...)] [WITH LABEL l]
//!        [(c1, ...)] { VALUES (...), ... | SELECT ... | WITH ... }
//! DELETE FROM [db.]t [PARTITION (p1, ...)] WHERE <condition>
//! ```
//!
//! The row source (VALUES or a query) and the DELETE condition stay text: the query engine
//! (DataFusion) evaluates them.

use crate::error::SqlResult;
use crate::sql::ddl::TableRef;
use crate::sql::lexer::Cursor;

/// An INSERT statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsertStmt {
    pub table: TableRef,
    /// INSERT OVERWRITE: the rows replace the target partitions' rows.
    pub overwrite: bool,
    /// `PARTITION (p1, ...)`: the only partitions rows may go to.
    pub partitions: Option<Vec<String>>,
    pub label: Option<String>,
    /// `(c1, ...)`: the target columns (None: every column, in table order).
    pub columns: Option<Vec<String>>,
    /// `VALUES ...` or the query, as written.
    pub source: String,
}

/// A DELETE statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteStmt {
    pub table: TableRef,
    pub partitions: Option<Vec<String>>,
    /// The WHERE condition, as written.
    pub condition: String,
}

/// An INSERT or DELETE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteStmt {
    Insert(InsertStmt),
    Delete(DeleteStmt),
}

fn table_ref(c: &mut Cursor) -> SqlResult<TableRef> {
    let (db, table) = c.qualified_name()?;
    Ok(TableRef { db, table })
}

fn partitions(c: &mut Cursor) -> SqlResult<Option<Vec<String>>> {
    if c.accept_kw("PARTITION") || c.accept_kw("PARTITIONS") {
        return Ok(Some(c.ident_list()?));
    }
    Ok(None)
}

/// Parses INSERT / DELETE; None when `sql` is neither.
pub fn try_parse(sql: &str) -> Option<SqlResult<WriteStmt>> {
    let first = sql.split_whitespace().next()?.to_ascii_uppercase();
    if first != "INSERT" && first != "DELETE" {
        return None;
    }
    Some(Cursor::new(sql).and_then(|mut c| parse(&mut c, sql)))
}

fn parse(c: &mut Cursor, sql: &str) -> SqlResult<WriteStmt> {
    if c.accept_kw("DELETE") {
        c.expect_kw("FROM")?;
        let table = table_ref(c)?;
        let partitions = partitions(c)?;
        if !c.accept_kw("WHERE") {
            return Err(c.unexpected(&["WHERE"]));
        }
        let condition = c.rest(sql).trim().to_string();
        if condition.is_empty() {
            return Err(c.unexpected(&["<expression>"]));
        }
        return Ok(WriteStmt::Delete(DeleteStmt {
            table,
            partitions,
            condition,
        }));
    }
    c.expect_kw("INSERT")?;
    let overwrite = if c.accept_kw("OVERWRITE") {
        true
    } else if c.accept_kw("INTO") {
        false
    } else {
        return Err(c.unexpected(&["INTO", "OVERWRITE"]));
    };
    c.accept_kw("TABLE");
    let table = table_ref(c)?;
    let partitions = partitions(c)?;
    let label = if c.accept_kws(&["WITH", "LABEL"]) {
        Some(c.ident()?)
    } else {
        None
    };
    let columns = if c.peek().is_symbol('(') {
        Some(c.ident_list()?)
    } else {
        None
    };
    let source = c.rest(sql).trim().to_string();
    let head = source
        .split(|ch: char| ch.is_whitespace() || ch == '(')
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    if !matches!(head.as_str(), "VALUES" | "SELECT" | "WITH") && !source.starts_with('(') {
        return Err(c.unexpected(&["VALUES", "SELECT", "WITH"]));
    }
    Ok(WriteStmt::Insert(InsertStmt {
        table,
        overwrite,
        partitions,
        label,
        columns,
        source,
    }))
}

/// `INSERT INTO t VALUES ...` keeps the written VALUES; the engine runs it as a query.
pub fn source_query(source: &str) -> String {
    let head = source
        .split(|ch: char| ch.is_whitespace() || ch == '(')
        .next()
        .unwrap_or("");
    if head.eq_ignore_ascii_case("VALUES") {
        format!("SELECT * FROM ({source}) AS __values")
    } else {
        source.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(sql: &str) -> InsertStmt {
        match try_parse(sql).unwrap().unwrap() {
            WriteStmt::Insert(i) => i,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn insert_forms_keep_their_source_text() {
        let i = insert(
            "INSERT INTO d.t PARTITION (p1, p2) WITH LABEL l1 (a, `b`) VALUES (1, 'x'), (2, NULL)",
        );
        assert_eq!(i.table.db.as_deref(), Some("d"));
        assert_eq!(i.partitions, Some(vec!["p1".to_string(), "p2".to_string()]));
        assert_eq!(i.label.as_deref(), Some("l1"));
        assert_eq!(i.columns, Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(i.source, "VALUES (1, 'x'), (2, NULL)");
        assert!(!i.overwrite);
        let o = insert("insert overwrite table t select * from s where k > 1");
        assert!(o.overwrite);
        assert_eq!(o.source, "select * from s where k > 1");
        assert_eq!(o.columns, None);
        assert_eq!(
            source_query("VALUES (1)"),
            "SELECT * FROM (VALUES (1)) AS __values"
        );
    }

    #[test]
    fn delete_keeps_its_condition_and_errors_are_syntax_errors() {
        match try_parse("DELETE FROM t WHERE k = 1 AND v > 'a'")
            .unwrap()
            .unwrap()
        {
            WriteStmt::Delete(d) => assert_eq!(d.condition, "k = 1 AND v > 'a'"),
            other => panic!("{other:?}"),
        }
        let e = try_parse("INSERT t VALUES (1)").unwrap().unwrap_err();
        assert!(
            e.message
                .contains("the most similar input is {'INTO', 'OVERWRITE'}"),
            "{}",
            e.message
        );
        let e = try_parse("DELETE FROM t").unwrap().unwrap_err();
        assert!(e.message.contains("'WHERE'"), "{}", e.message);
        assert!(try_parse("SELECT 1").is_none());
    }
}
