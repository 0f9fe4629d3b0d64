//! [`PrivilegeMgr`]: users and roles in memory, backed by the metadata store. Every change is
//! computed on a copy, written as one `MetaBatch`, then swapped in, so a crash never leaves
//! half a GRANT behind. Error texts are StarRocks's (`AuthenticationAnalyzer`,
//! `AuthorizationAnalyzer`); analyzer errors carry the `Getting analyzing error` wrapping.

use super::password;
use super::roles;
use super::store::{identity, RoleRecord, UserRecord, NATIVE_PLUGIN};
use super::types::{Priv, PrivCollection, PrivObject};
use crate::error::{SqlError, SqlResult};
use crate::meta::{keys, MetaBatch, MetaError, MetaStore};
use starload_proto::error_code;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, RwLock};

/// Who runs a statement: the matched user record and the session's active roles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Principal {
    pub user: String,
    pub host: String,
    /// Roles activated for the session (default roles at login, then SET ROLE).
    pub roles: BTreeSet<String>,
}

impl Principal {
    pub fn identity(&self) -> String {
        identity(&self.user, &self.host)
    }

    /// The built-in superuser.
    pub fn root() -> Self {
        Self {
            user: "root".into(),
            host: "%".into(),
            roles: BTreeSet::from([roles::ROOT.to_string()]),
        }
    }
}

#[derive(Default, Clone)]
pub(super) struct State {
    pub users: BTreeMap<(String, String), UserRecord>,
    pub roles: BTreeMap<String, RoleRecord>,
}

/// Users, roles and their grants.
pub struct PrivilegeMgr {
    meta: Arc<MetaStore>,
    pub(super) state: RwLock<State>,
    write_lock: Mutex<()>,
}

fn meta_err(e: MetaError) -> SqlError {
    SqlError::internal(e)
}

impl PrivilegeMgr {
    /// Loads users and roles; on a new store creates `root` (password `root_password`) and
    /// the `public` role.
    pub fn load(meta: Arc<MetaStore>, root_password: &str) -> Result<Self, MetaError> {
        let mut st = State::default();
        for (_, u) in meta.scan_prefix::<UserRecord>(&[keys::USER])? {
            st.users.insert((u.name.clone(), u.host.clone()), u);
        }
        for (_, r) in meta.scan_prefix::<RoleRecord>(&[keys::ROLE])? {
            st.roles.insert(r.name.clone(), r);
        }
        let mut batch = MetaBatch::new();
        let root_key = ("root".to_string(), "%".to_string());
        if let std::collections::btree_map::Entry::Vacant(slot) = st.users.entry(root_key) {
            let root = UserRecord {
                name: "root".into(),
                host: "%".into(),
                password: password::scrambled(root_password),
                plugin: NATIVE_PLUGIN.into(),
                roles: BTreeSet::from([roles::ROOT.to_string()]),
                default_roles: BTreeSet::from([roles::ROOT.to_string()]),
                privs: PrivCollection::default(),
            };
            batch.put(&root.key(), &root)?;
            slot.insert(root);
            tracing::info!("Created user 'root'@'%'.");
        }
        if !st.roles.contains_key(roles::PUBLIC) {
            let public = RoleRecord {
                name: roles::PUBLIC.into(),
                comment: String::new(),
                privs: PrivCollection::default(),
            };
            batch.put(&public.key(), &public)?;
            st.roles.insert(public.name.clone(), public);
        }
        // The built-in user and role are created by the FE that may write (a new cluster's
        // leader); a follower gets them through replication.
        if !batch.is_empty() && meta.can_write() {
            meta.write(batch)?;
        }
        Ok(Self {
            meta,
            state: RwLock::new(st),
            write_lock: Mutex::new(()),
        })
    }

    /// Replaces users and roles with what the store holds now (creating the built-ins when
    /// this FE may write and they are missing).
    pub fn reload(&self, root_password: &str) -> Result<(), MetaError> {
        let fresh = Self::load(self.meta.clone(), root_password)?;
        let _w = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        *self.state.write().unwrap_or_else(|p| p.into_inner()) =
            fresh.state.into_inner().unwrap_or_else(|p| p.into_inner());
        Ok(())
    }

    pub(super) fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies `f` to a copy of the state; when it succeeds writes the batch it built and
    /// swaps the copy in.
    fn change<T>(
        &self,
        f: impl FnOnce(&mut State, &mut MetaBatch) -> SqlResult<T>,
    ) -> SqlResult<T> {
        let _w = self.write_lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = self.read().clone();
        let mut batch = MetaBatch::new();
        let out = f(&mut next, &mut batch)?;
        if !batch.is_empty() {
            self.meta.write(batch).map_err(meta_err)?;
        }
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = next;
        Ok(out)
    }

    /// Login (`AuthenticationHandler.authenticate`): finds the user record matching `user`
    /// from `client_ip` and checks the scrambled password. Returns the matched principal with
    /// its login roles (default roles, or all roles when `activate_all` is set).
    pub fn authenticate(
        &self,
        user: &str,
        client_ip: &str,
        auth_response: &[u8],
        scramble: &[u8],
        activate_all: bool,
    ) -> SqlResult<Principal> {
        let using = if auth_response.is_empty() {
            "NO"
        } else {
            "YES"
        };
        let denied = || SqlError::code(error_code::ERR_AUTHENTICATION_FAIL, &[user, using]);
        let st = self.read();
        let rec = best_match(&st, user, client_ip).ok_or_else(denied)?;
        if !password::check(auth_response, scramble, &rec.password) {
            return Err(denied());
        }
        let active = if activate_all {
            rec.roles.clone()
        } else {
            rec.default_roles.clone()
        };
        Ok(Principal {
            user: rec.name.clone(),
            host: rec.host.clone(),
            roles: active,
        })
    }

    /// True when the user exists.
    pub fn user_exists(&self, name: &str, host: &str) -> bool {
        self.read()
            .users
            .contains_key(&(name.to_string(), host.to_string()))
    }

    /// True when the role exists (built-in or created).
    pub fn role_exists(&self, role: &str) -> bool {
        roles::is_builtin(role) || self.read().roles.contains_key(role)
    }

    /// Every role granted to the user (empty when unknown).
    pub fn roles_of(&self, name: &str, host: &str) -> BTreeSet<String> {
        self.read()
            .users
            .get(&(name.to_string(), host.to_string()))
            .map(|u| u.roles.clone())
            .unwrap_or_default()
    }

    /// The user's default roles (empty when unknown).
    pub fn default_roles_of(&self, name: &str, host: &str) -> BTreeSet<String> {
        self.read()
            .users
            .get(&(name.to_string(), host.to_string()))
            .map(|u| u.default_roles.clone())
            .unwrap_or_default()
    }

    /// Every user identity, sorted.
    pub fn user_identities(&self) -> Vec<String> {
        self.read().users.values().map(|u| u.identity()).collect()
    }

    /// CREATE USER. `password_hash` is already `*HEX` (or empty).
    pub fn create_user(
        &self,
        name: &str,
        host: &str,
        if_not_exists: bool,
        password_hash: String,
        default_roles: &[String],
    ) -> SqlResult<()> {
        self.change(|st, batch| {
            let key = (name.to_string(), host.to_string());
            if st.users.contains_key(&key) {
                if if_not_exists {
                    return Ok(());
                }
                return Err(SqlError::analyzing(format!(
                    "user {} already exists!",
                    identity(name, host)
                )));
            }
            for r in default_roles {
                check_role_exists(st, r, "Valid role name fail")?;
            }
            let roles: BTreeSet<String> = default_roles.iter().cloned().collect();
            let rec = UserRecord {
                name: name.into(),
                host: host.into(),
                password: password_hash,
                plugin: NATIVE_PLUGIN.into(),
                default_roles: roles.clone(),
                roles,
                privs: PrivCollection::default(),
            };
            batch.put(&rec.key(), &rec).map_err(meta_err)?;
            st.users.insert(key, rec);
            Ok(())
        })?;
        tracing::info!(user = %identity(name, host), "User created.");
        Ok(())
    }

    /// ALTER USER / SET PASSWORD: replaces the password hash.
    pub fn set_password(
        &self,
        name: &str,
        host: &str,
        if_exists: bool,
        password_hash: String,
    ) -> SqlResult<()> {
        self.change(|st, batch| {
            let Some(u) = st.users.get_mut(&(name.to_string(), host.to_string())) else {
                if if_exists {
                    return Ok(());
                }
                return Err(cannot_find_user(name, host));
            };
            u.password = password_hash;
            batch.put(&u.key(), &*u).map_err(meta_err)?;
            Ok(())
        })?;
        tracing::info!(user = %identity(name, host), "User password changed.");
        Ok(())
    }

    /// DROP USER.
    pub fn drop_user(&self, name: &str, host: &str, if_exists: bool) -> SqlResult<()> {
        if name == "root" && host == "%" {
            return Err(SqlError::analyzing(
                "Operation DROP USER failed for 'root'@'%' : cannot drop user 'root'@'%'",
            ));
        }
        self.change(|st, batch| {
            match st.users.remove(&(name.to_string(), host.to_string())) {
                Some(u) => batch.delete(&u.key()),
                None if if_exists => {}
                None => return Err(cannot_find_user(name, host)),
            }
            Ok(())
        })?;
        tracing::info!(user = %identity(name, host), "User dropped.");
        Ok(())
    }

    /// CREATE ROLE.
    pub fn create_roles(&self, names: &[String], if_not_exists: bool) -> SqlResult<()> {
        self.change(|st, batch| {
            for n in names {
                if roles::is_builtin(n) || st.roles.contains_key(n) {
                    if if_not_exists {
                        continue;
                    }
                    return Err(SqlError::analyzing(format!(
                        "Operation CREATE ROLE failed for {n} : role already exists"
                    )));
                }
                let r = RoleRecord {
                    name: n.clone(),
                    comment: String::new(),
                    privs: PrivCollection::default(),
                };
                batch.put(&r.key(), &r).map_err(meta_err)?;
                st.roles.insert(n.clone(), r);
            }
            Ok(())
        })
    }

    /// DROP ROLE: also taken from every user that held it.
    pub fn drop_roles(&self, names: &[String], if_exists: bool) -> SqlResult<()> {
        self.change(|st, batch| {
            for n in names {
                if roles::is_builtin(n) {
                    return Err(SqlError::analyzing(format!(
                        "Operation DROP ROLE failed for {n} : role is built-in"
                    )));
                }
                match st.roles.remove(n) {
                    Some(r) => batch.delete(&r.key()),
                    None if if_exists => continue,
                    None => {
                        return Err(SqlError::analyzing(format!(
                            "Operation DROP ROLE failed for {n} : role not exists"
                        )))
                    }
                }
                for u in st.users.values_mut() {
                    let had = u.roles.remove(n) | u.default_roles.remove(n);
                    if had {
                        batch.put(&u.key(), &*u).map_err(meta_err)?;
                    }
                }
            }
            Ok(())
        })
    }

    /// GRANT / REVOKE privileges to a user (`grantee = Ok((name, host))`) or a role
    /// (`Err(role)`).
    pub fn change_privs(
        &self,
        grantee: &Grantee,
        object: &PrivObject,
        privs: &[Priv],
        grant: bool,
        with_grant_option: bool,
    ) -> SqlResult<()> {
        self.change(|st, batch| {
            let apply = |c: &mut PrivCollection| {
                if grant {
                    c.grant(object, privs, with_grant_option)
                } else {
                    c.revoke(object, privs)
                }
            };
            match grantee {
                Grantee::User { name, host } => {
                    let u = st
                        .users
                        .get_mut(&(name.clone(), host.clone()))
                        .ok_or_else(|| cannot_find_user(name, host))?;
                    apply(&mut u.privs);
                    batch.put(&u.key(), &*u).map_err(meta_err)?;
                }
                Grantee::Role(r) => {
                    if roles::is_immutable(r) {
                        return Err(SqlError::analyzing(format!(
                            "Operation not permitted, built-in role {r} is immutable"
                        )));
                    }
                    let role = st.roles.get_mut(r).ok_or_else(|| {
                        SqlError::analyzing(format!(
                            "Can not grant/revoke to role: cannot find role {r}!"
                        ))
                    })?;
                    apply(&mut role.privs);
                    batch.put(&role.key(), &*role).map_err(meta_err)?;
                }
            }
            Ok(())
        })
    }

    /// GRANT / REVOKE roles to / from a user.
    pub fn change_user_roles(
        &self,
        name: &str,
        host: &str,
        role_names: &[String],
        grant: bool,
    ) -> SqlResult<()> {
        self.change(|st, batch| {
            for r in role_names {
                check_role_exists(st, r, "Can not granted/revoke role to user")?;
            }
            let u = st
                .users
                .get_mut(&(name.to_string(), host.to_string()))
                .ok_or_else(|| cannot_find_user(name, host))?;
            for r in role_names {
                if grant {
                    u.roles.insert(r.clone());
                } else {
                    u.roles.remove(r);
                    u.default_roles.remove(r);
                }
            }
            batch.put(&u.key(), &*u).map_err(meta_err)?;
            Ok(())
        })
    }

    /// SET DEFAULT ROLE: the roles must be granted to the user.
    pub fn set_default_roles(&self, name: &str, host: &str, choice: &RoleChoice) -> SqlResult<()> {
        self.change(|st, batch| {
            let u = st
                .users
                .get_mut(&(name.to_string(), host.to_string()))
                .ok_or_else(|| cannot_find_user(name, host))?;
            u.default_roles = resolve_choice(&u.roles, &u.default_roles, choice, &u.identity())?;
            batch.put(&u.key(), &*u).map_err(meta_err)?;
            Ok(())
        })
    }

    /// SET ROLE: the session's new active roles.
    pub fn roles_for_set_role(
        &self,
        principal: &Principal,
        choice: &RoleChoice,
    ) -> SqlResult<BTreeSet<String>> {
        let st = self.read();
        let u = st
            .users
            .get(&(principal.user.clone(), principal.host.clone()))
            .ok_or_else(|| cannot_find_user(&principal.user, &principal.host))?;
        resolve_choice(&u.roles, &u.default_roles, choice, &u.identity())
    }
}

/// The receiver of a GRANT / REVOKE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grantee {
    User { name: String, host: String },
    Role(String),
}

/// Which roles SET ROLE / SET DEFAULT ROLE name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleChoice {
    /// `DEFAULT` (SET ROLE only).
    Default,
    None,
    /// `ALL [EXCEPT r, ...]`.
    All {
        except: Vec<String>,
    },
    Roles(Vec<String>),
}

fn resolve_choice(
    granted: &BTreeSet<String>,
    defaults: &BTreeSet<String>,
    choice: &RoleChoice,
    who: &str,
) -> SqlResult<BTreeSet<String>> {
    Ok(match choice {
        RoleChoice::Default => defaults.clone(),
        RoleChoice::None => BTreeSet::new(),
        RoleChoice::All { except } => granted
            .iter()
            .filter(|r| !except.contains(r))
            .cloned()
            .collect(),
        RoleChoice::Roles(rs) => {
            for r in rs {
                if !granted.contains(r) {
                    return Err(SqlError::analyzing(format!(
                        "Role {r} is not granted to {who}"
                    )));
                }
            }
            rs.iter().cloned().collect()
        }
    })
}

fn check_role_exists(st: &State, role: &str, what: &str) -> SqlResult<()> {
    if roles::is_builtin(role) || st.roles.contains_key(role) {
        Ok(())
    } else {
        Err(SqlError::analyzing(format!(
            "{what}: cannot find role {role}!"
        )))
    }
}

fn cannot_find_user(name: &str, host: &str) -> SqlError {
    SqlError::analyzing(format!("cannot find user {}!", identity(name, host)))
}

/// The record a login from `ip` as `user` uses: an exact host first, then `localhost` for
/// loopback clients, then `%` (`AuthenticationMgr.getBestMatchedUserIdentity`).
fn best_match<'a>(st: &'a State, user: &str, ip: &str) -> Option<&'a UserRecord> {
    let get = |h: &str| st.users.get(&(user.to_string(), h.to_string()));
    get(ip)
        .or_else(|| {
            if ip == "127.0.0.1" || ip == "::1" {
                get("localhost")
            } else {
                None
            }
        })
        .or_else(|| get("%"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mgr() -> (tempfile::TempDir, Arc<MetaStore>, PrivilegeMgr) {
        let dir = tempfile::tempdir().unwrap();
        let meta = Arc::new(MetaStore::open(dir.path()).unwrap());
        let m = PrivilegeMgr::load(meta.clone(), "").unwrap();
        (dir, meta, m)
    }

    #[test]
    fn root_exists_and_users_survive_reload() {
        let (_d, meta, m) = mgr();
        assert!(m.user_exists("root", "%"));
        m.create_user("bob", "%", false, password::scrambled("pw"), &[])
            .unwrap();
        let e = m
            .create_user("bob", "%", false, String::new(), &[])
            .unwrap_err();
        assert_eq!(
            e.message,
            "Getting analyzing error. Detail message: user 'bob'@'%' already exists!."
        );
        m.create_roles(&["r1".into()], false).unwrap();
        m.change_user_roles("bob", "%", &["r1".into()], true)
            .unwrap();
        drop(m);
        let m = PrivilegeMgr::load(meta, "ignored").unwrap();
        assert!(m.user_exists("bob", "%"));
        assert_eq!(m.roles_of("bob", "%"), BTreeSet::from(["r1".to_string()]));
        // root keeps the empty password of the first start.
        let s = b"01234567890123456789";
        assert!(m.authenticate("root", "1.2.3.4", b"", s, false).is_ok());
        let tok = password::client_token(b"pw", s);
        let p = m.authenticate("bob", "1.2.3.4", &tok, s, false).unwrap();
        assert!(p.roles.is_empty());
        let p = m.authenticate("bob", "1.2.3.4", &tok, s, true).unwrap();
        assert_eq!(p.roles.len(), 1);
        let e = m.authenticate("bob", "1.2.3.4", b"", s, false).unwrap_err();
        assert_eq!(
            e.message,
            "Access denied for user 'bob' (using password: NO)"
        );
    }

    #[test]
    fn root_cannot_be_dropped_and_roles_leave_users_when_dropped() {
        let (_d, _meta, m) = mgr();
        assert!(m.drop_user("root", "%", false).is_err());
        m.create_user("u", "%", false, String::new(), &[]).unwrap();
        m.create_roles(&["r".into()], false).unwrap();
        m.change_user_roles("u", "%", &["r".into()], true).unwrap();
        m.drop_roles(&["r".into()], false).unwrap();
        assert!(m.roles_of("u", "%").is_empty());
        assert_eq!(
            m.drop_roles(&["r".into()], false).unwrap_err().message,
            "Getting analyzing error. Detail message: Operation DROP ROLE failed for r : role not exists."
        );
        assert_eq!(
            m.drop_user("nobody", "%", false).unwrap_err().message,
            "Getting analyzing error. Detail message: cannot find user 'nobody'@'%'!."
        );
    }
}
