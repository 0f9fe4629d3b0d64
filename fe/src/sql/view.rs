//! View statements: `CREATE [OR REPLACE] VIEW [IF NOT EXISTS] [db.]v [(col [COMMENT 'c'], ...)]
//! [COMMENT 'c'] AS <query>`, `ALTER VIEW [db.]v [(cols)] AS <query>`, `DROP VIEW [IF EXISTS]
//! [db.]v`, `SHOW CREATE VIEW [db.]v`. The query after `AS` is kept as written (the handler
//! plans it to check it and to find the view's columns).

use crate::error::SqlResult;
use crate::sql::ddl::{leading_words, table_ref, TableRef};
use crate::sql::lexer::Cursor;

/// One `(col [COMMENT 'c'])` of the column list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewColumnDef {
    pub name: String,
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewStmt {
    Create {
        view: TableRef,
        or_replace: bool,
        if_not_exists: bool,
        columns: Vec<ViewColumnDef>,
        comment: String,
        /// The text after `AS`.
        query: String,
    },
    /// ALTER VIEW: CREATE OR REPLACE that requires the view to exist.
    Alter {
        view: TableRef,
        columns: Vec<ViewColumnDef>,
        query: String,
    },
    Drop {
        view: TableRef,
        if_exists: bool,
    },
    ShowCreate {
        view: TableRef,
    },
}

/// Returns None when `sql` is not a view statement.
pub fn try_parse(sql: &str) -> Option<SqlResult<ViewStmt>> {
    let w = leading_words(sql, 4);
    let w = |i: usize| w.get(i).map(String::as_str).unwrap_or("");
    let owns = match w(0) {
        "CREATE" => w(1) == "VIEW" || (w(1) == "OR" && w(2) == "REPLACE" && w(3) == "VIEW"),
        "ALTER" | "DROP" => w(1) == "VIEW",
        "SHOW" => w(1) == "CREATE" && w(2) == "VIEW",
        _ => false,
    };
    if !owns {
        return None;
    }
    Some(Cursor::new(sql).and_then(|mut c| parse(&mut c, sql)))
}

fn column_list(c: &mut Cursor) -> SqlResult<Vec<ViewColumnDef>> {
    let mut cols = Vec::new();
    if c.accept_symbol('(') {
        loop {
            let name = c.ident()?;
            let comment = if c.accept_kw("COMMENT") {
                c.string()?
            } else {
                String::new()
            };
            cols.push(ViewColumnDef { name, comment });
            if !c.accept_symbol(',') {
                break;
            }
        }
        c.expect_symbol(')')?;
    }
    Ok(cols)
}

/// `AS <query>`: the rest of the text, which must not be empty.
fn as_query(c: &mut Cursor, sql: &str) -> SqlResult<String> {
    c.expect_kw("AS")?;
    if c.at_eof() {
        return Err(c.unexpected(&["SELECT", "WITH", "("]));
    }
    Ok(c.rest(sql)
        .trim()
        .trim_end_matches(';')
        .trim_end()
        .to_string())
}

fn parse(c: &mut Cursor, sql: &str) -> SqlResult<ViewStmt> {
    if c.accept_kw("CREATE") {
        let or_replace = c.accept_kws(&["OR", "REPLACE"]);
        c.expect_kw("VIEW")?;
        let if_not_exists = c.accept_kws(&["IF", "NOT", "EXISTS"]);
        let view = table_ref(c)?;
        let columns = column_list(c)?;
        let comment = if c.accept_kw("COMMENT") {
            c.string()?
        } else {
            String::new()
        };
        let query = as_query(c, sql)?;
        return Ok(ViewStmt::Create {
            view,
            or_replace,
            if_not_exists,
            columns,
            comment,
            query,
        });
    }
    if c.accept_kw("ALTER") {
        c.expect_kw("VIEW")?;
        let view = table_ref(c)?;
        let columns = column_list(c)?;
        let query = as_query(c, sql)?;
        return Ok(ViewStmt::Alter {
            view,
            columns,
            query,
        });
    }
    if c.accept_kw("DROP") {
        c.expect_kw("VIEW")?;
        let if_exists = c.accept_kws(&["IF", "EXISTS"]);
        let view = table_ref(c)?;
        c.expect_eof()?;
        return Ok(ViewStmt::Drop { view, if_exists });
    }
    c.expect_kw("SHOW")?;
    c.expect_kw("CREATE")?;
    c.expect_kw("VIEW")?;
    let view = table_ref(c)?;
    c.expect_eof()?;
    Ok(ViewStmt::ShowCreate { view })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(sql: &str) -> ViewStmt {
        try_parse(sql).expect("owned").expect("parses")
    }

    fn tref(db: Option<&str>, t: &str) -> TableRef {
        TableRef {
            db: db.map(String::from),
            table: t.into(),
        }
    }

    #[test]
    fn create_view_keeps_the_query_text() {
        assert_eq!(
            p(
                "CREATE OR REPLACE VIEW IF NOT EXISTS d.v (a COMMENT 'x', `b`) COMMENT 'vc' AS \
               SELECT k, sum(v) FROM t GROUP BY k;"
            ),
            ViewStmt::Create {
                view: tref(Some("d"), "v"),
                or_replace: true,
                if_not_exists: true,
                columns: vec![
                    ViewColumnDef {
                        name: "a".into(),
                        comment: "x".into()
                    },
                    ViewColumnDef {
                        name: "b".into(),
                        comment: String::new()
                    },
                ],
                comment: "vc".into(),
                query: "SELECT k, sum(v) FROM t GROUP BY k".into(),
            }
        );
        match p("create view v as with x as (select 1) select * from x") {
            ViewStmt::Create {
                query, or_replace, ..
            } => {
                assert_eq!(query, "with x as (select 1) select * from x");
                assert!(!or_replace);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn drop_alter_show_and_errors() {
        assert_eq!(
            p("DROP VIEW IF EXISTS default_catalog.d.v"),
            ViewStmt::Drop {
                view: tref(Some("d"), "v"),
                if_exists: true
            }
        );
        assert_eq!(
            p("show create view v"),
            ViewStmt::ShowCreate {
                view: tref(None, "v")
            }
        );
        assert!(matches!(
            p("ALTER VIEW v AS SELECT 2"),
            ViewStmt::Alter { query, .. } if query == "SELECT 2"
        ));
        assert!(try_parse("CREATE TABLE t (k int)").is_none());
        assert!(try_parse("DROP TABLE v").is_none());
        let e = try_parse("CREATE VIEW v AS").unwrap().unwrap_err();
        assert_eq!(e.errno, 1064);
        let e = try_parse("CREATE VIEW v SELECT 1").unwrap().unwrap_err();
        assert_eq!(e.errno, 1064);
    }
}
