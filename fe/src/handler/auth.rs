//! Executes the account and privilege statements: analysis (names, objects, privilege types
//! with `AuthorizationAnalyzer`'s texts), the statement's own privilege check
//! (`AuthorizerStmtVisitor`: user and role management needs GRANT on SYSTEM), then the change
//! in [`crate::privilege::PrivilegeMgr`].

use crate::context::FeContext;
use crate::error::{SqlError, SqlResult};
use crate::privilege::mgr::{Grantee, RoleChoice};
use crate::privilege::password;
use crate::privilege::roles;
use crate::privilege::show::{GrantsOf, DEFAULT_CATALOG, GRANTS_TITLES};
use crate::privilege::types::{ObjectType, Priv, PrivObject};
use crate::result::{QueryResult, ResultSet};
use crate::session::Session;
use crate::sql::auth::{AuthOption, AuthStmt, GrantObject, GranteeAst, RoleSpec, UserIdent};
use starload_proto::error_code;

pub async fn execute(
    ctx: &FeContext,
    session: &mut Session,
    stmt: AuthStmt,
) -> SqlResult<QueryResult> {
    let mgr = &ctx.privilege;
    match stmt {
        AuthStmt::CreateUser {
            user,
            if_not_exists,
            auth,
            default_roles,
        } => {
            require_grant(ctx, session)?;
            let hash = password_hash(auth.as_ref())?;
            mgr.create_user(&user.name, &user.host, if_not_exists, hash, &default_roles)?;
        }
        AuthStmt::AlterUser {
            user,
            if_exists,
            auth,
        } => {
            if !is_self(session, &user) {
                if is_root(&user) {
                    return Err(SqlError::analyzing(
                        "Can not modify root user, except root itself",
                    ));
                }
                require_grant(ctx, session)?;
            }
            let hash = password_hash(auth.as_ref())?;
            mgr.set_password(&user.name, &user.host, if_exists, hash)?;
        }
        AuthStmt::DropUser { user, if_exists } => {
            require_grant(ctx, session)?;
            mgr.drop_user(&user.name, &user.host, if_exists)?;
        }
        AuthStmt::SetPassword { user, auth } => {
            let user = user.unwrap_or_else(|| current(session));
            if !is_self(session, &user) {
                if is_root(&user) {
                    return Err(SqlError::analyzing(
                        "Can not set password for root user, except root itself",
                    ));
                }
                require_grant(ctx, session)?;
            }
            let hash = password_hash(Some(&auth))?;
            mgr.set_password(&user.name, &user.host, false, hash)?;
        }
        AuthStmt::ShowUsers => {
            require_grant(ctx, session)?;
            let mut rs = ResultSet::with_titles(&["User"]);
            rs.rows = mgr
                .user_identities()
                .into_iter()
                .map(|u| vec![Some(u)])
                .collect();
            return Ok(QueryResult::Rows(rs));
        }
        AuthStmt::ShowGrants { user, role } => return show_grants(ctx, session, user, role),
        AuthStmt::CreateRole {
            names,
            if_not_exists,
        } => {
            require_grant(ctx, session)?;
            mgr.create_roles(&names, if_not_exists)?;
        }
        AuthStmt::DropRole { names, if_exists } => {
            require_grant(ctx, session)?;
            mgr.drop_roles(&names, if_exists)?;
        }
        AuthStmt::GrantPrivs {
            grant,
            privs,
            object,
            to,
            with_grant_option,
        } => {
            let grantee = resolve_grantee(ctx, &to)?;
            let objects = resolve_objects(ctx, session, &object)?;
            let Some(first) = objects.first() else {
                return Ok(QueryResult::ok());
            };
            let privs = resolve_privs(first.object_type(), &privs)?;
            require_grant(ctx, session)?;
            for o in &objects {
                mgr.change_privs(&grantee, o, &privs, grant, with_grant_option)?;
            }
        }
        AuthStmt::GrantRoles {
            grant,
            roles: role_names,
            to,
        } => {
            let (name, host) = match &to {
                GranteeAst::User(u) => (u.name.clone(), u.host.clone()),
                GranteeAst::Role(_) => {
                    return Err(SqlError::analyzing(
                        "granting a role to a role is not supported by starload",
                    ))
                }
            };
            if role_names
                .iter()
                .any(|r| r == roles::ROOT || r == roles::CLUSTER_ADMIN)
                && !session_is_root(session)
            {
                return Err(SqlError::analyzing(
                    "Can not grant root or cluster_admin role except root user",
                ));
            }
            if !grant && role_names.iter().any(|r| r == roles::ROOT) && name == "root" {
                return Err(SqlError::analyzing(
                    "Can not revoke root role from root user",
                ));
            }
            require_grant(ctx, session)?;
            if !mgr.user_exists(&name, &host) {
                return Err(SqlError::analyzing(format!(
                    "cannot find user '{name}'@'{host}'!"
                )));
            }
            mgr.change_user_roles(&name, &host, &role_names, grant)?;
        }
        AuthStmt::SetRole(spec) => {
            let roles = mgr.roles_for_set_role(&session.principal, &role_choice(spec))?;
            session.principal.roles = roles;
        }
        AuthStmt::SetDefaultRole { spec, user } => {
            if !is_self(session, &user) {
                require_grant(ctx, session)?;
            }
            mgr.set_default_roles(&user.name, &user.host, &role_choice(spec))?;
        }
    }
    Ok(QueryResult::ok())
}

fn role_choice(spec: RoleSpec) -> RoleChoice {
    match spec {
        RoleSpec::Default => RoleChoice::Default,
        RoleSpec::None => RoleChoice::None,
        RoleSpec::All { except } => RoleChoice::All { except },
        RoleSpec::Roles(r) => RoleChoice::Roles(r),
    }
}

/// The session's own user identity.
fn current(session: &Session) -> UserIdent {
    UserIdent {
        name: session.principal.user.clone(),
        host: session.principal.host.clone(),
    }
}

fn is_self(session: &Session, u: &UserIdent) -> bool {
    session.principal.user == u.name && session.principal.host == u.host
}

fn is_root(u: &UserIdent) -> bool {
    u.name == "root" && u.host == "%"
}

fn session_is_root(session: &Session) -> bool {
    session.principal.user == "root" && session.principal.host == "%"
}

/// GRANT on SYSTEM: what user and role management needs (`user_admin`, `root`).
fn require_grant(ctx: &FeContext, session: &Session) -> SqlResult<()> {
    ctx.privilege
        .require(&session.principal, Priv::Grant, &PrivObject::System, None)
}

/// The stored hash for an auth option (`UserAuthOptionAnalyzer`).
fn password_hash(auth: Option<&AuthOption>) -> SqlResult<String> {
    match auth {
        None | Some(AuthOption::PluginOnly(_)) => Ok(String::new()),
        Some(AuthOption::Plain(p)) => Ok(password::scrambled(p)),
        Some(AuthOption::Hashed(h)) => {
            if password::is_valid_hash(h) {
                Ok(h.to_ascii_uppercase())
            } else {
                Err(SqlError::code(error_code::ERR_PASSWD_LENGTH, &["41"]))
            }
        }
    }
}

fn resolve_grantee(ctx: &FeContext, to: &GranteeAst) -> SqlResult<Grantee> {
    match to {
        GranteeAst::User(u) => {
            if !ctx.privilege.user_exists(&u.name, &u.host) {
                return Err(SqlError::analyzing(format!(
                    "cannot find user '{}'@'{}'!",
                    u.name, u.host
                )));
            }
            Ok(Grantee::User {
                name: u.name.clone(),
                host: u.host.clone(),
            })
        }
        GranteeAst::Role(r) => {
            if !ctx.privilege.role_exists(r) {
                return Err(SqlError::analyzing(format!(
                    "Can not grant/revoke to role: cannot find role {r}!"
                )));
            }
            Ok(Grantee::Role(r.clone()))
        }
    }
}

fn db_id(ctx: &FeContext, db: &str) -> SqlResult<i64> {
    ctx.catalog
        .get_db(db)
        .map(|d| d.id)
        .ok_or_else(|| SqlError::analyzing(format!("cannot find db: {db}")))
}

/// Objects named by a GRANT, resolved to ids (`TablePEntryObject.generate` and friends).
fn resolve_objects(
    ctx: &FeContext,
    session: &Session,
    object: &GrantObject,
) -> SqlResult<Vec<PrivObject>> {
    Ok(match object {
        GrantObject::System => vec![PrivObject::System],
        GrantObject::AllTablesAllDbs => vec![PrivObject::Table {
            db: None,
            table: None,
        }],
        GrantObject::AllDatabases => vec![PrivObject::Database { db: None }],
        GrantObject::AllCatalogs => vec![PrivObject::Catalog { name: None }],
        GrantObject::Catalogs(names) => names
            .iter()
            .map(|n| {
                if n == DEFAULT_CATALOG {
                    Ok(PrivObject::Catalog {
                        name: Some(n.clone()),
                    })
                } else {
                    Err(SqlError::analyzing(format!("cannot find catalog: {n}")))
                }
            })
            .collect::<SqlResult<_>>()?,
        GrantObject::Databases(names) => names
            .iter()
            .map(|n| db_id(ctx, n).map(|id| PrivObject::Database { db: Some(id) }))
            .collect::<SqlResult<_>>()?,
        GrantObject::Tables(list) => {
            let mut out = Vec::new();
            for (db, table) in list {
                let db_name = match db {
                    Some(d) => d.clone(),
                    None if !session.current_db.is_empty() => session.current_db.clone(),
                    None => return Err(SqlError::no_db().in_analyzer()),
                };
                let id = db_id(ctx, &db_name)?;
                let table = match table {
                    None => None,
                    Some(t) => Some(
                        ctx.catalog
                            .get_table(&db_name, t)
                            .map(|t| t.id)
                            // A view is granted on as a table of its id.
                            .or_else(|| ctx.catalog.get_view(&db_name, t).map(|v| v.id))
                            .ok_or_else(|| {
                                SqlError::analyzing(format!(
                                    "cannot find table {t} in db {db_name}"
                                ))
                            })?,
                    ),
                };
                out.push(PrivObject::Table {
                    db: Some(id),
                    table,
                });
            }
            out
        }
    })
}

/// Privilege names -> privileges valid on `object_type` (`ALL` expands).
fn resolve_privs(object_type: ObjectType, names: &[String]) -> SqlResult<Vec<Priv>> {
    let mut out: Vec<Priv> = Vec::new();
    for n in names {
        if n == "ALL" || n == "ALL PRIVILEGES" {
            out.extend(object_type.valid_privs());
            continue;
        }
        let p = Priv::parse(n)
            .ok_or_else(|| SqlError::analyzing(format!("cannot find privilege type {n}")))?;
        if !object_type.valid_privs().contains(&p) {
            return Err(SqlError::analyzing(format!(
                "Cannot grant or revoke {n} on '{}' type object",
                object_type.name()
            )));
        }
        out.push(p);
    }
    if object_type == ObjectType::System {
        for bad in [Priv::Grant, Priv::Node] {
            if out.contains(&bad) {
                return Err(SqlError::analyzing(format!(
                    "Operation not permitted, '{}' cannot be granted to user or role directly, use built-in role instead",
                    bad.name()
                )));
            }
        }
    }
    out.dedup();
    Ok(out)
}

fn show_grants(
    ctx: &FeContext,
    session: &Session,
    user: Option<UserIdent>,
    role: Option<String>,
) -> SqlResult<QueryResult> {
    let mgr = &ctx.privilege;
    let rows = if let Some(r) = role {
        let own = mgr
            .roles_of(&session.principal.user, &session.principal.host)
            .contains(&r);
        if !own {
            require_grant(ctx, session)?;
        }
        mgr.show_grants(&GrantsOf::Role(&r), &ctx.catalog)
            .ok_or_else(|| SqlError::analyzing(format!("cannot find role {r}")))?
    } else {
        let u = user.unwrap_or_else(|| current(session));
        if !is_self(session, &u) {
            require_grant(ctx, session)?;
        }
        mgr.show_grants(
            &GrantsOf::User {
                name: &u.name,
                host: &u.host,
            },
            &ctx.catalog,
        )
        .ok_or_else(|| {
            SqlError::analyzing(format!("cannot find user '{}'@'{}'!", u.name, u.host))
        })?
    };
    let mut rs = ResultSet::with_titles(GRANTS_TITLES);
    rs.rows = rows;
    Ok(QueryResult::Rows(rs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privilege_names_resolve_per_object_type() {
        assert_eq!(
            resolve_privs(ObjectType::Table, &["ALL".into()]).unwrap(),
            ObjectType::Table.valid_privs().to_vec()
        );
        assert_eq!(
            resolve_privs(ObjectType::Table, &["CREATE TABLE".into()])
                .unwrap_err()
                .message,
            "Getting analyzing error. Detail message: Cannot grant or revoke CREATE TABLE on 'TABLE' type object."
        );
        assert!(resolve_privs(ObjectType::System, &["NODE".into()]).is_err());
        assert_eq!(
            resolve_privs(ObjectType::System, &["OPERATE".into()]).unwrap(),
            vec![Priv::Operate]
        );
        assert!(resolve_privs(ObjectType::Table, &["FLY".into()]).is_err());
    }

    #[test]
    fn password_options_hash_or_check() {
        assert_eq!(password_hash(None).unwrap(), "");
        assert_eq!(
            password_hash(Some(&AuthOption::Plain("secret".into()))).unwrap(),
            "*14E65567ABDB5135D0CFD9A70B3032C179A49EE7"
        );
        let e = password_hash(Some(&AuthOption::Hashed("abc".into()))).unwrap_err();
        assert_eq!(
            (e.errno, e.message.as_str()),
            (
                5201,
                "Password hash should be a 41-digit hexadecimal number"
            )
        );
    }
}
