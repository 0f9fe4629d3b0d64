//! Parser for the admin statement family (see `sql.rs` for the dispatch): ALTER SYSTEM
//! ADD/DROP BACKEND, SHOW BACKENDS / FRONTENDS / PROC, ADMIN SET/SHOW FRONTEND CONFIG.

use crate::error::{SqlError, SqlResult};
use crate::sql::ddl::leading_words;
use crate::sql::lexer::{syntax_error, Cursor, Token};

/// A parsed admin statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminStmt {
    /// `ALTER SYSTEM ADD BACKEND "host:port"[, ...]`
    AddBackends(Vec<String>),
    /// `ALTER SYSTEM DROP BACKEND "host:port"[, ...]`
    DropBackends(Vec<String>),
    /// `ALTER SYSTEM ADD FOLLOWER|OBSERVER "host:edit_log_port"`
    AddFrontend {
        observer: bool,
        host_port: String,
    },
    /// `ALTER SYSTEM DROP FOLLOWER|OBSERVER "host:edit_log_port"`
    DropFrontend {
        observer: bool,
        host_port: String,
    },
    ShowBackends,
    ShowFrontends,
    /// `SHOW PROC '<path>'`
    ShowProc(String),
    /// `ADMIN SET FRONTEND CONFIG ("k" = "v")`
    SetFrontendConfig(Vec<(String, String)>),
    /// `ADMIN SHOW FRONTEND CONFIG [LIKE 'p']`
    ShowFrontendConfig {
        pattern: Option<String>,
    },
}

fn owns(w: &[String]) -> bool {
    let w = |i: usize| w.get(i).map(String::as_str).unwrap_or("");
    match w(0) {
        "ALTER" => w(1) == "SYSTEM",
        "SHOW" => matches!(w(1), "BACKENDS" | "FRONTENDS" | "FRONTEND" | "PROC"),
        "ADMIN" => matches!(w(1), "SET" | "SHOW") && w(2) == "FRONTEND",
        _ => false,
    }
}

/// Returns None when `sql` is not a statement of this family.
pub fn try_parse(sql: &str) -> Option<SqlResult<AdminStmt>> {
    if !owns(&leading_words(sql, 3)) {
        return None;
    }
    Some(Cursor::new(sql).and_then(|mut c| parse(sql, &mut c)))
}

/// `SHOW FRONTEND ...` (e.g. `SHOW FRONTEND CONFIG LIKE '%x%'`) is not in StarRocks's grammar:
/// only `ADMIN SHOW FRONTEND CONFIG` and `SHOW FRONTENDS` are. The `statement` rule's
/// prediction finds no alternative at `FRONTEND`, so ANTLR reports a NoViableAltException from
/// `SHOW` to `FRONTEND` (`StarRocksDefaultErrorStrategy.reportNoViableAlternative`), at the
/// offending token's position.
fn no_viable_show_frontend(sql: &str, show: &Token, frontend: &Token) -> SqlError {
    let input: String = sql
        .chars()
        .skip(show.offset)
        .take(frontend.offset + frontend.text.chars().count() - show.offset)
        .collect();
    syntax_error(
        frontend.line,
        frontend.col,
        &format!("No viable statement for input '{input}'"),
    )
}

fn string_list(c: &mut Cursor) -> SqlResult<Vec<String>> {
    let mut v = vec![c.string()?];
    while c.accept_symbol(',') {
        v.push(c.string()?);
    }
    Ok(v)
}

fn parse(sql: &str, c: &mut Cursor) -> SqlResult<AdminStmt> {
    let stmt = if c.accept_kws(&["ALTER", "SYSTEM"]) {
        if c.accept_kw("ADD") {
            if c.accept_kw("FOLLOWER") {
                AdminStmt::AddFrontend {
                    observer: false,
                    host_port: c.string()?,
                }
            } else if c.accept_kw("OBSERVER") {
                AdminStmt::AddFrontend {
                    observer: true,
                    host_port: c.string()?,
                }
            } else {
                c.expect_kw("BACKEND")?;
                AdminStmt::AddBackends(string_list(c)?)
            }
        } else if c.accept_kw("DROP") {
            if c.accept_kw("FOLLOWER") {
                AdminStmt::DropFrontend {
                    observer: false,
                    host_port: c.string()?,
                }
            } else if c.accept_kw("OBSERVER") {
                AdminStmt::DropFrontend {
                    observer: true,
                    host_port: c.string()?,
                }
            } else {
                c.expect_kw("BACKEND")?;
                AdminStmt::DropBackends(string_list(c)?)
            }
        } else if c.peek().is_kw("DECOMMISSION") || c.peek().is_kw("MODIFY") {
            return Err(SqlError::plain(format!(
                "ALTER SYSTEM {} is not supported by starload",
                c.peek().text.to_ascii_uppercase()
            )));
        } else {
            return Err(c.unexpected(&["ADD", "DROP"]));
        }
    } else if c.accept_kw("ADMIN") {
        if c.accept_kw("SET") {
            c.expect_kw("FRONTEND")?;
            c.expect_kw("CONFIG")?;
            AdminStmt::SetFrontendConfig(c.property_list()?)
        } else {
            c.expect_kw("SHOW")?;
            c.expect_kw("FRONTEND")?;
            c.expect_kw("CONFIG")?;
            let pattern = if c.accept_kw("LIKE") {
                Some(c.string()?)
            } else {
                None
            };
            AdminStmt::ShowFrontendConfig { pattern }
        }
    } else {
        let show = c.peek().clone();
        c.expect_kw("SHOW")?;
        if c.peek().is_kw("FRONTEND") {
            return Err(no_viable_show_frontend(sql, &show, c.peek()));
        }
        if c.accept_kw("BACKENDS") {
            AdminStmt::ShowBackends
        } else if c.accept_kw("FRONTENDS") {
            AdminStmt::ShowFrontends
        } else {
            c.expect_kw("PROC")?;
            AdminStmt::ShowProc(c.string()?)
        }
    };
    c.expect_eof()?;
    Ok(stmt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> AdminStmt {
        try_parse(s).expect("owned").expect("parses")
    }

    #[test]
    fn parses_frontend_membership() {
        assert_eq!(
            p("ALTER SYSTEM ADD FOLLOWER \"127.0.0.1:9110\""),
            AdminStmt::AddFrontend {
                observer: false,
                host_port: "127.0.0.1:9110".into()
            }
        );
        assert_eq!(
            p("alter system drop observer '10.0.0.2:9010'"),
            AdminStmt::DropFrontend {
                observer: true,
                host_port: "10.0.0.2:9010".into()
            }
        );
    }

    #[test]
    fn parses_admin_statements() {
        assert_eq!(
            p("ALTER SYSTEM ADD BACKEND \"127.0.0.1:9050\", '127.0.0.1:9150';"),
            AdminStmt::AddBackends(vec!["127.0.0.1:9050".into(), "127.0.0.1:9150".into()])
        );
        assert_eq!(
            p("alter system drop backend '127.0.0.1:9050'"),
            AdminStmt::DropBackends(vec!["127.0.0.1:9050".into()])
        );
        assert_eq!(
            p("SHOW PROC '/backends'"),
            AdminStmt::ShowProc("/backends".into())
        );
        assert_eq!(
            p("ADMIN SET FRONTEND CONFIG (\"heartbeat_timeout_ms\" = \"3000\")"),
            AdminStmt::SetFrontendConfig(vec![("heartbeat_timeout_ms".into(), "3000".into())])
        );
        assert_eq!(
            p("ADMIN SHOW FRONTEND CONFIG LIKE '%heartbeat%'"),
            AdminStmt::ShowFrontendConfig {
                pattern: Some("%heartbeat%".into())
            }
        );
        assert!(try_parse("SHOW BACKEND").is_none());
        // Not StarRocks grammar: the parser's NoViableAlt text, at FRONTEND's position.
        let e = try_parse("show  frontend config like '%heartbeat%'")
            .unwrap()
            .unwrap_err();
        assert_eq!(
            e.message,
            "Getting syntax error at line 1, column 6. Detail message: No viable statement for input 'show  frontend'."
        );
        let e = try_parse("ALTER SYSTEM ADD BACKEND").unwrap().unwrap_err();
        assert!(e.message.contains("'<EOF>'"), "{}", e.message);
    }
}
