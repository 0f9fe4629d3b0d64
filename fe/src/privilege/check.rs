//! Privilege checks (`NativeAccessController`) and the access-denied error
//! (`AccessDeniedException.reportAccessDenied`).
//!
//! A principal's privileges are its user's direct grants, plus those of each active role
//! that is still granted to it, plus `public`'s (every user holds `public`).

use super::mgr::{Principal, PrivilegeMgr, State};
use super::roles;
use super::types::{Priv, PrivObject};
use crate::error::SqlError;
use starload_proto::error_code;

impl PrivilegeMgr {
    /// True when `p` holds `want` on `target`.
    pub fn allows(&self, p: &Principal, want: Priv, target: &PrivObject) -> bool {
        let st = self.read();
        holds(
            &st,
            p,
            |coll| coll.allows(want, target),
            |r| roles::builtin_allows(r, want, target),
        )
    }

    /// True when `p` holds any privilege on `target`.
    pub fn allows_any(&self, p: &Principal, target: &PrivObject) -> bool {
        let st = self.read();
        holds(
            &st,
            p,
            |coll| coll.allows_any(target),
            |r| roles::builtin_allows_any(r, target),
        )
    }

    /// True when `p` holds any privilege on database `db` or on one of its tables
    /// (`Authorizer.checkAnyActionOnOrInDb`).
    pub fn allows_any_in_db(&self, p: &Principal, db: i64) -> bool {
        let st = self.read();
        let target = PrivObject::Database { db: Some(db) };
        holds(
            &st,
            p,
            |coll| coll.allows_any_in_db(db),
            |r| roles::builtin_allows_any(r, &target),
        )
    }

    /// `Err` with StarRocks's access-denied error unless `p` holds `want` on `target`.
    /// `object` is the printed object (table or database name; None for SYSTEM).
    pub fn require(
        &self,
        p: &Principal,
        want: Priv,
        target: &PrivObject,
        object: Option<&str>,
    ) -> Result<(), SqlError> {
        if self.allows(p, want, target) {
            return Ok(());
        }
        Err(self.denied(p, want.name(), target.object_type().name(), object))
    }

    /// ERR_ACCESS_DENIED (5203) for `p`: `privilege` on `object_type object`, with the
    /// active and the inactive roles as StarRocks lists them (`[a, b]` or `NONE`).
    pub fn denied(
        &self,
        p: &Principal,
        privilege: &str,
        object_type: &str,
        object: Option<&str>,
    ) -> SqlError {
        let granted = self.roles_of(&p.user, &p.host);
        let active: Vec<String> = p
            .roles
            .iter()
            .filter(|r| granted.contains(*r))
            .cloned()
            .collect();
        let inactive: Vec<String> = granted
            .iter()
            .filter(|r| !active.contains(r))
            .cloned()
            .collect();
        let list = |v: &[String]| {
            if v.is_empty() {
                "NONE".to_string()
            } else {
                format!("[{}]", v.join(", "))
            }
        };
        let object = object.map(|o| format!(" {o}")).unwrap_or_default();
        SqlError::code(
            error_code::ERR_ACCESS_DENIED,
            &[
                privilege,
                object_type,
                &object,
                &list(&active),
                &list(&inactive),
            ],
        )
    }
}

/// Evaluates `direct` on the user's grants and on each effective role's grants, and
/// `builtin` for the immutable built-in roles.
fn holds(
    st: &State,
    p: &Principal,
    direct: impl Fn(&super::types::PrivCollection) -> bool,
    builtin: impl Fn(&str) -> Option<bool>,
) -> bool {
    let Some(user) = st.users.get(&(p.user.clone(), p.host.clone())) else {
        return false;
    };
    if direct(&user.privs) {
        return true;
    }
    // Active roles count only while still granted (a REVOKE takes effect at once).
    let effective = p
        .roles
        .iter()
        .filter(|r| user.roles.contains(*r))
        .map(String::as_str)
        .chain(std::iter::once(roles::PUBLIC));
    for r in effective {
        if let Some(b) = builtin(r) {
            if b {
                return true;
            }
            continue;
        }
        if st.roles.get(r).is_some_and(|role| direct(&role.privs)) {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::super::mgr::Grantee;
    use super::*;
    use crate::meta::MetaStore;
    use std::collections::BTreeSet;
    use std::sync::Arc;

    #[test]
    fn grants_roles_and_denial_text() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Arc::new(MetaStore::open(dir.path()).unwrap());
        let m = PrivilegeMgr::load(meta, "").unwrap();
        m.create_user("u", "%", false, String::new(), &[]).unwrap();
        let mut p = Principal {
            user: "u".into(),
            host: "%".into(),
            roles: BTreeSet::new(),
        };
        let t = PrivObject::Table {
            db: Some(10),
            table: Some(11),
        };
        assert!(!m.allows(&p, Priv::Insert, &t));
        let e = m.require(&p, Priv::Insert, &t, Some("tbl")).unwrap_err();
        assert_eq!((e.errno, e.sqlstate.as_str()), (5203, "42000"));
        assert_eq!(e.message, "Access denied; you need (at least one of) the INSERT privilege(s) on TABLE tbl for this operation. Please ask the admin to grant permission(s) or try activating existing roles using <set [default] role>. Current role(s): NONE. Inactivated role(s): NONE.");

        m.create_roles(&["loader".into()], false).unwrap();
        m.change_privs(
            &Grantee::Role("loader".into()),
            &PrivObject::Table {
                db: Some(10),
                table: None,
            },
            &[Priv::Insert],
            true,
            false,
        )
        .unwrap();
        m.change_user_roles("u", "%", &["loader".into()], true)
            .unwrap();
        // Granted but not active.
        assert!(!m.allows(&p, Priv::Insert, &t));
        let e = m.require(&p, Priv::Insert, &t, Some("tbl")).unwrap_err();
        assert!(e
            .message
            .ends_with("Current role(s): NONE. Inactivated role(s): [loader]."));
        p.roles.insert("loader".into());
        assert!(m.allows(&p, Priv::Insert, &t));
        assert!(!m.allows(&p, Priv::Select, &t));
        // Revoking the role takes effect for the live session.
        m.change_user_roles("u", "%", &["loader".into()], false)
            .unwrap();
        assert!(!m.allows(&p, Priv::Insert, &t));
        // public's grants reach everyone.
        m.change_privs(
            &Grantee::Role("public".into()),
            &PrivObject::Database { db: None },
            &[Priv::CreateTable],
            true,
            false,
        )
        .unwrap();
        assert!(m.allows(&p, Priv::CreateTable, &PrivObject::Database { db: Some(3) }));
        assert!(m.allows(&Principal::root(), Priv::Node, &PrivObject::System));
    }
}
