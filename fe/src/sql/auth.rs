//! Parser for the account and privilege statement family (see `sql.rs` for the dispatch),
//! after StarRocks's `StarRocks.g4` (`createUserStatement`, `grantPrivilegeStatement`,
//! `grantRoleStatement`, `setRoleStatement`, `setPassword`, `showGrantsStatement`):
//!
//! - `CREATE USER [IF NOT EXISTS] u [auth] [DEFAULT ROLE r, ...]`, `ALTER USER [IF EXISTS] u
//!   auth`, `DROP USER [IF EXISTS] u`; auth = `IDENTIFIED BY [PASSWORD] 'x'` |
//!   `IDENTIFIED WITH mysql_native_password [BY 'x' | AS '*HEX']`
//! - `SET PASSWORD [FOR u] = PASSWORD('x') | '*HEX'`
//! - `SHOW USERS`, `SHOW GRANTS [FOR u | FOR ROLE r]`
//! - `CREATE ROLE [IF NOT EXISTS] r, ...`, `DROP ROLE [IF EXISTS] r, ...`
//! - `GRANT privs ON object TO [USER] u | ROLE r [WITH GRANT OPTION]`, `REVOKE ... FROM ...`
//! - `GRANT r, ... TO [USER] u`, `REVOKE r, ... FROM [USER] u`
//! - `SET ROLE DEFAULT | NONE | ALL [EXCEPT r, ...] | r, ...`,
//!   `SET DEFAULT ROLE NONE | ALL | r, ... TO u`
//!
//! A user is `name`, `'name'` or `'name'@'host'` (host `%` when omitted). Objects:
//! `SYSTEM`, `TABLE [db.]t, ...`, `ALL TABLES IN DATABASE d | ALL DATABASES`,
//! `DATABASE d, ...`, `ALL DATABASES`, `CATALOG c`, `ALL CATALOGS`, and the shorthands
//! `[db.]t`, `db.*`, `*.*` for tables.

use crate::error::{SqlError, SqlResult};
use crate::sql::ddl::leading_words;
use crate::sql::lexer::{Cursor, TokenKind};

/// `'name'@'host'` as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserIdent {
    pub name: String,
    pub host: String,
}

/// How a password is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthOption {
    /// Plain text, hashed before it is stored.
    Plain(String),
    /// An already hashed `*HEX`.
    Hashed(String),
    /// `IDENTIFIED WITH <plugin>` without BY/AS.
    PluginOnly(String),
}

/// The object of a GRANT / REVOKE, names unresolved. `None` is `ALL`/`*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantObject {
    System,
    /// `(db, table)`: `db = None` means the current database for a named table, or all
    /// databases when `table` is None too (`*.*`).
    Tables(Vec<(Option<String>, Option<String>)>),
    AllTablesAllDbs,
    Databases(Vec<String>),
    AllDatabases,
    Catalogs(Vec<String>),
    AllCatalogs,
}

/// GRANT / REVOKE receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GranteeAst {
    User(UserIdent),
    Role(String),
}

/// SET ROLE / SET DEFAULT ROLE choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleSpec {
    Default,
    None,
    All { except: Vec<String> },
    Roles(Vec<String>),
}

/// A parsed account / privilege statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthStmt {
    CreateUser {
        user: UserIdent,
        if_not_exists: bool,
        auth: Option<AuthOption>,
        default_roles: Vec<String>,
    },
    AlterUser {
        user: UserIdent,
        if_exists: bool,
        auth: Option<AuthOption>,
    },
    DropUser {
        user: UserIdent,
        if_exists: bool,
    },
    SetPassword {
        user: Option<UserIdent>,
        auth: AuthOption,
    },
    ShowUsers,
    ShowGrants {
        user: Option<UserIdent>,
        role: Option<String>,
    },
    CreateRole {
        names: Vec<String>,
        if_not_exists: bool,
    },
    DropRole {
        names: Vec<String>,
        if_exists: bool,
    },
    GrantPrivs {
        grant: bool,
        /// Upper-cased privilege names (`CREATE TABLE`, `ALL`).
        privs: Vec<String>,
        object: GrantObject,
        to: GranteeAst,
        with_grant_option: bool,
    },
    GrantRoles {
        grant: bool,
        roles: Vec<String>,
        to: GranteeAst,
    },
    SetRole(RoleSpec),
    SetDefaultRole {
        spec: RoleSpec,
        user: UserIdent,
    },
}

fn owns(w: &[String]) -> bool {
    let w = |i: usize| w.get(i).map(String::as_str).unwrap_or("");
    match w(0) {
        "CREATE" | "DROP" => matches!(w(1), "USER" | "ROLE"),
        "ALTER" => w(1) == "USER",
        "GRANT" | "REVOKE" => true,
        "SET" => w(1) == "PASSWORD" || w(1) == "ROLE" || (w(1) == "DEFAULT" && w(2) == "ROLE"),
        "SHOW" => matches!(w(1), "USERS" | "GRANTS"),
        _ => false,
    }
}

/// Returns None when `sql` is not a statement of this family.
pub fn try_parse(sql: &str) -> Option<SqlResult<AuthStmt>> {
    if !owns(&leading_words(sql, 3)) {
        return None;
    }
    Some(Cursor::new(sql).and_then(|mut c| parse(&mut c)))
}

/// An identifier or a quoted string (user and role names are written either way).
fn name(c: &mut Cursor) -> SqlResult<String> {
    match &c.peek().kind {
        TokenKind::Str(s) => {
            let s = s.clone();
            c.next_token();
            Ok(s)
        }
        _ => c.ident(),
    }
}

fn name_list(c: &mut Cursor) -> SqlResult<Vec<String>> {
    let mut v = vec![name(c)?];
    while c.accept_symbol(',') {
        v.push(name(c)?);
    }
    Ok(v)
}

fn user_ident(c: &mut Cursor) -> SqlResult<UserIdent> {
    let name = name(c)?;
    let host = if c.accept_symbol('@') {
        match &c.peek().kind {
            TokenKind::Str(s) | TokenKind::QuotedIdent(s) | TokenKind::Word(s) => {
                let s = s.clone();
                c.next_token();
                s
            }
            _ => return Err(c.unexpected(&["<string>"])),
        }
    } else {
        "%".to_string()
    };
    Ok(UserIdent { name, host })
}

/// `IDENTIFIED BY [PASSWORD] 'x'` | `IDENTIFIED WITH plugin [BY 'x' | AS 'x']`.
fn auth_option(c: &mut Cursor) -> SqlResult<Option<AuthOption>> {
    if !c.accept_kw("IDENTIFIED") {
        return Ok(None);
    }
    if c.accept_kw("BY") {
        if c.accept_kw("PASSWORD") {
            return Ok(Some(AuthOption::Hashed(c.string()?)));
        }
        return Ok(Some(AuthOption::Plain(c.string()?)));
    }
    c.expect_kw("WITH")?;
    let plugin = name(c)?;
    if !plugin.eq_ignore_ascii_case("mysql_native_password") {
        return Err(SqlError::analyzing(format!(
            "Unsupported authentication plugin: {plugin}"
        )));
    }
    if c.accept_kw("BY") {
        Ok(Some(AuthOption::Plain(c.string()?)))
    } else if c.accept_kw("AS") {
        Ok(Some(AuthOption::Hashed(c.string()?)))
    } else {
        Ok(Some(AuthOption::PluginOnly(plugin)))
    }
}

fn parse(c: &mut Cursor) -> SqlResult<AuthStmt> {
    let stmt = if c.accept_kw("CREATE") {
        if c.accept_kw("USER") {
            let if_not_exists = c.accept_kws(&["IF", "NOT", "EXISTS"]);
            let user = user_ident(c)?;
            let auth = auth_option(c)?;
            let default_roles = if c.accept_kws(&["DEFAULT", "ROLE"]) {
                name_list(c)?
            } else {
                Vec::new()
            };
            AuthStmt::CreateUser {
                user,
                if_not_exists,
                auth,
                default_roles,
            }
        } else {
            c.expect_kw("ROLE")?;
            let if_not_exists = c.accept_kws(&["IF", "NOT", "EXISTS"]);
            AuthStmt::CreateRole {
                names: name_list(c)?,
                if_not_exists,
            }
        }
    } else if c.accept_kw("ALTER") {
        c.expect_kw("USER")?;
        let if_exists = c.accept_kws(&["IF", "EXISTS"]);
        let user = user_ident(c)?;
        AuthStmt::AlterUser {
            user,
            if_exists,
            auth: auth_option(c)?,
        }
    } else if c.accept_kw("DROP") {
        if c.accept_kw("USER") {
            let if_exists = c.accept_kws(&["IF", "EXISTS"]);
            AuthStmt::DropUser {
                user: user_ident(c)?,
                if_exists,
            }
        } else {
            c.expect_kw("ROLE")?;
            let if_exists = c.accept_kws(&["IF", "EXISTS"]);
            AuthStmt::DropRole {
                names: name_list(c)?,
                if_exists,
            }
        }
    } else if c.accept_kw("SET") {
        set(c)?
    } else if c.accept_kw("SHOW") {
        if c.accept_kw("USERS") {
            AuthStmt::ShowUsers
        } else {
            c.expect_kw("GRANTS")?;
            if c.accept_kw("FOR") {
                if c.accept_kw("ROLE") {
                    AuthStmt::ShowGrants {
                        user: None,
                        role: Some(name(c)?),
                    }
                } else {
                    AuthStmt::ShowGrants {
                        user: Some(user_ident(c)?),
                        role: None,
                    }
                }
            } else {
                AuthStmt::ShowGrants {
                    user: None,
                    role: None,
                }
            }
        }
    } else {
        let grant = if c.accept_kw("GRANT") {
            true
        } else {
            c.expect_kw("REVOKE")?;
            false
        };
        grant_revoke(c, grant)?
    };
    c.expect_eof()?;
    Ok(stmt)
}

fn set(c: &mut Cursor) -> SqlResult<AuthStmt> {
    if c.accept_kw("PASSWORD") {
        let user = if c.accept_kw("FOR") {
            Some(user_ident(c)?)
        } else {
            None
        };
        c.expect_symbol('=')?;
        let auth = if c.accept_kw("PASSWORD") {
            c.expect_symbol('(')?;
            let p = c.string()?;
            c.expect_symbol(')')?;
            AuthOption::Plain(p)
        } else {
            AuthOption::Hashed(c.string()?)
        };
        return Ok(AuthStmt::SetPassword { user, auth });
    }
    if c.accept_kw("DEFAULT") {
        c.expect_kw("ROLE")?;
        let spec = if c.accept_kw("NONE") {
            RoleSpec::None
        } else if c.accept_kw("ALL") {
            RoleSpec::All { except: Vec::new() }
        } else {
            RoleSpec::Roles(name_list(c)?)
        };
        c.expect_kw("TO")?;
        return Ok(AuthStmt::SetDefaultRole {
            spec,
            user: user_ident(c)?,
        });
    }
    c.expect_kw("ROLE")?;
    let spec = if c.accept_kw("DEFAULT") {
        RoleSpec::Default
    } else if c.accept_kw("NONE") {
        RoleSpec::None
    } else if c.accept_kw("ALL") {
        let except = if c.accept_kw("EXCEPT") {
            name_list(c)?
        } else {
            Vec::new()
        };
        RoleSpec::All { except }
    } else {
        RoleSpec::Roles(name_list(c)?)
    };
    Ok(AuthStmt::SetRole(spec))
}

/// After GRANT / REVOKE: privileges `ON` an object, or roles.
fn grant_revoke(c: &mut Cursor, grant: bool) -> SqlResult<AuthStmt> {
    let to_kw = if grant { "TO" } else { "FROM" };
    // A privilege list is words up to ON; a role list is names up to TO / FROM.
    let mut items: Vec<Vec<String>> = vec![Vec::new()];
    let mut quoted = false;
    loop {
        let t = c.peek().clone();
        if t.is_kw("ON") || t.is_kw(to_kw) || t.kind == TokenKind::Eof {
            break;
        }
        c.next_token();
        match t.kind {
            TokenKind::Symbol(',') => items.push(Vec::new()),
            TokenKind::Word(w) => {
                if let Some(last) = items.last_mut() {
                    last.push(w)
                }
            }
            TokenKind::Str(s) | TokenKind::QuotedIdent(s) => {
                quoted = true;
                if let Some(last) = items.last_mut() {
                    last.push(s)
                }
            }
            _ => return Err(syntax_at(&t)),
        }
    }
    if items.iter().any(Vec::is_empty) {
        return Err(c.unexpected(&["<identifier>"]));
    }
    if c.accept_kw("ON") {
        if quoted {
            return Err(c.unexpected(&["TO"]));
        }
        let privs: Vec<String> = items
            .iter()
            .map(|words| {
                words
                    .iter()
                    .map(|w| w.to_ascii_uppercase())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        let object = grant_object(c)?;
        c.expect_kw(to_kw)?;
        let to = grantee(c)?;
        let with_grant_option = grant && c.accept_kws(&["WITH", "GRANT", "OPTION"]);
        return Ok(AuthStmt::GrantPrivs {
            grant,
            privs,
            object,
            to,
            with_grant_option,
        });
    }
    c.expect_kw(to_kw)?;
    if items.iter().any(|w| w.len() != 1) {
        return Err(c.unexpected(&["ON"]));
    }
    let roles = items.into_iter().filter_map(|mut w| w.pop()).collect();
    Ok(AuthStmt::GrantRoles {
        grant,
        roles,
        to: grantee(c)?,
    })
}

fn syntax_at(t: &crate::sql::lexer::Token) -> SqlError {
    crate::sql::lexer::syntax_error(
        t.line,
        t.col,
        &format!("Input '{}' is not valid at this position", t.display()),
    )
}

fn grantee(c: &mut Cursor) -> SqlResult<GranteeAst> {
    if c.accept_kw("ROLE") {
        return Ok(GranteeAst::Role(name(c)?));
    }
    c.accept_kw("USER");
    Ok(GranteeAst::User(user_ident(c)?))
}

/// `name` or `*`.
fn name_or_star(c: &mut Cursor) -> SqlResult<Option<String>> {
    if c.accept_symbol('*') {
        Ok(None)
    } else {
        name(c).map(Some)
    }
}

fn grant_object(c: &mut Cursor) -> SqlResult<GrantObject> {
    if c.accept_kw("SYSTEM") {
        return Ok(GrantObject::System);
    }
    if c.accept_kw("ALL") {
        if c.accept_kw("TABLES") {
            c.expect_kw("IN")?;
            if c.accept_kws(&["ALL", "DATABASES"]) {
                return Ok(GrantObject::AllTablesAllDbs);
            }
            c.expect_kw("DATABASE")?;
            let db = name(c)?;
            return Ok(GrantObject::Tables(vec![(Some(db), None)]));
        }
        if c.accept_kw("DATABASES") {
            return Ok(GrantObject::AllDatabases);
        }
        c.expect_kw("CATALOGS")?;
        return Ok(GrantObject::AllCatalogs);
    }
    if c.accept_kw("DATABASE") {
        return Ok(GrantObject::Databases(name_list(c)?));
    }
    if c.accept_kw("CATALOG") {
        return Ok(GrantObject::Catalogs(name_list(c)?));
    }
    // `TABLE t, ...` or the shorthand `db.t`, `db.*`, `*.*`, `t`.
    c.accept_kw("TABLE");
    let mut tables = Vec::new();
    loop {
        let first = name_or_star(c)?;
        let entry = if c.accept_symbol('.') {
            let second = name_or_star(c)?;
            match (first, second) {
                (None, None) => {
                    if tables.is_empty() && !c.peek().is_symbol(',') {
                        return Ok(GrantObject::AllTablesAllDbs);
                    }
                    return Err(c.unexpected(&["TO"]));
                }
                (None, Some(_)) => return Err(c.unexpected(&["*"])),
                (Some(db), t) => (Some(db), t),
            }
        } else {
            match first {
                Some(t) => (None, Some(t)),
                None => return Err(c.unexpected(&["."])),
            }
        };
        tables.push(entry);
        if !c.accept_symbol(',') {
            break;
        }
    }
    Ok(GrantObject::Tables(tables))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(sql: &str) -> AuthStmt {
        try_parse(sql).expect("owned").expect("parses")
    }

    fn u(n: &str, h: &str) -> UserIdent {
        UserIdent {
            name: n.into(),
            host: h.into(),
        }
    }

    #[test]
    fn users() {
        assert_eq!(
            p("CREATE USER IF NOT EXISTS 'jack'@'%' IDENTIFIED BY 'pw' DEFAULT ROLE 'r1', r2"),
            AuthStmt::CreateUser {
                user: u("jack", "%"),
                if_not_exists: true,
                auth: Some(AuthOption::Plain("pw".into())),
                default_roles: vec!["r1".into(), "r2".into()],
            }
        );
        assert_eq!(
            p("create user bob identified with mysql_native_password as '*ABC'"),
            AuthStmt::CreateUser {
                user: u("bob", "%"),
                if_not_exists: false,
                auth: Some(AuthOption::Hashed("*ABC".into())),
                default_roles: vec![],
            }
        );
        assert_eq!(
            p("ALTER USER 'bob'@'10.0.0.1' IDENTIFIED BY PASSWORD '*AB'"),
            AuthStmt::AlterUser {
                user: u("bob", "10.0.0.1"),
                if_exists: false,
                auth: Some(AuthOption::Hashed("*AB".into())),
            }
        );
        assert_eq!(
            p("SET PASSWORD FOR bob = PASSWORD('x')"),
            AuthStmt::SetPassword {
                user: Some(u("bob", "%")),
                auth: AuthOption::Plain("x".into())
            }
        );
        assert_eq!(
            p("set password = '*AB'"),
            AuthStmt::SetPassword {
                user: None,
                auth: AuthOption::Hashed("*AB".into())
            }
        );
        assert_eq!(p("SHOW USERS"), AuthStmt::ShowUsers);
        assert_eq!(
            p("SHOW GRANTS FOR ROLE r1"),
            AuthStmt::ShowGrants {
                user: None,
                role: Some("r1".into())
            }
        );
        assert!(try_parse("SET NAMES utf8").is_none());
        assert!(try_parse("CREATE TABLE t (a int)").is_none());
    }

    #[test]
    fn grants() {
        assert_eq!(
            p("GRANT SELECT, INSERT ON TABLE db1.t1, t2 TO USER 'u'@'%' WITH GRANT OPTION"),
            AuthStmt::GrantPrivs {
                grant: true,
                privs: vec!["SELECT".into(), "INSERT".into()],
                object: GrantObject::Tables(vec![
                    (Some("db1".into()), Some("t1".into())),
                    (None, Some("t2".into()))
                ]),
                to: GranteeAst::User(u("u", "%")),
                with_grant_option: true,
            }
        );
        assert_eq!(
            p("grant insert on db1.* to role loader"),
            AuthStmt::GrantPrivs {
                grant: true,
                privs: vec!["INSERT".into()],
                object: GrantObject::Tables(vec![(Some("db1".into()), None)]),
                to: GranteeAst::Role("loader".into()),
                with_grant_option: false,
            }
        );
        assert_eq!(
            p("REVOKE ALL PRIVILEGES ON *.* FROM 'u'"),
            AuthStmt::GrantPrivs {
                grant: false,
                privs: vec!["ALL PRIVILEGES".into()],
                object: GrantObject::AllTablesAllDbs,
                to: GranteeAst::User(u("u", "%")),
                with_grant_option: false,
            }
        );
        assert_eq!(
            p("GRANT CREATE TABLE, DROP ON DATABASE d1 TO u"),
            AuthStmt::GrantPrivs {
                grant: true,
                privs: vec!["CREATE TABLE".into(), "DROP".into()],
                object: GrantObject::Databases(vec!["d1".into()]),
                to: GranteeAst::User(u("u", "%")),
                with_grant_option: false,
            }
        );
        assert_eq!(
            p("GRANT CREATE DATABASE ON CATALOG default_catalog TO ROLE r"),
            AuthStmt::GrantPrivs {
                grant: true,
                privs: vec!["CREATE DATABASE".into()],
                object: GrantObject::Catalogs(vec!["default_catalog".into()]),
                to: GranteeAst::Role("r".into()),
                with_grant_option: false,
            }
        );
        assert_eq!(
            p("GRANT 'db_admin', r2 TO USER 'u'@'%'"),
            AuthStmt::GrantRoles {
                grant: true,
                roles: vec!["db_admin".into(), "r2".into()],
                to: GranteeAst::User(u("u", "%")),
            }
        );
        assert_eq!(
            p("SET ROLE ALL EXCEPT r1"),
            AuthStmt::SetRole(RoleSpec::All {
                except: vec!["r1".into()]
            })
        );
        assert_eq!(
            p("SET DEFAULT ROLE r1 TO u"),
            AuthStmt::SetDefaultRole {
                spec: RoleSpec::Roles(vec!["r1".into()]),
                user: u("u", "%")
            }
        );
        assert!(try_parse("GRANT SELECT ON TO u").unwrap().is_err());
        assert!(try_parse("GRANT").unwrap().is_err());
    }
}
