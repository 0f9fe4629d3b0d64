//! The built-in roles (`PrivilegeBuiltinConstants`, `AuthorizationMgr.initBuiltinRolesAndUsers`):
//! what each allows is decided here in code, never persisted, so it cannot drift.
//!
//! - `root`: everything.
//! - `db_admin`: every system privilege except GRANT and NODE, every privilege on every
//!   catalog, database and table.
//! - `cluster_admin`: NODE on SYSTEM.
//! - `user_admin`: GRANT on SYSTEM (and IMPERSONATE on every user).
//! - `public`: SELECT on information_schema (implicit: information_schema is never checked);
//!   every user holds it. It is the one built-in role that can be granted more privileges,
//!   kept like a user-created role.

use super::types::{Priv, PrivObject};

pub const ROOT: &str = "root";
pub const DB_ADMIN: &str = "db_admin";
pub const CLUSTER_ADMIN: &str = "cluster_admin";
pub const USER_ADMIN: &str = "user_admin";
pub const PUBLIC: &str = "public";

/// Every built-in role name.
pub const BUILTIN: &[&str] = &[ROOT, DB_ADMIN, CLUSTER_ADMIN, USER_ADMIN, PUBLIC];

/// Built-in roles whose privileges cannot change.
pub fn is_immutable(role: &str) -> bool {
    matches!(role, ROOT | DB_ADMIN | CLUSTER_ADMIN | USER_ADMIN)
}

/// True when `role` is built in.
pub fn is_builtin(role: &str) -> bool {
    BUILTIN.contains(&role)
}

/// What an immutable built-in role allows; `None` for any other role.
pub fn builtin_allows(role: &str, want: Priv, target: &PrivObject) -> Option<bool> {
    Some(match role {
        ROOT => true,
        DB_ADMIN => match target {
            PrivObject::System => !matches!(want, Priv::Grant | Priv::Node),
            _ => true,
        },
        CLUSTER_ADMIN => matches!(target, PrivObject::System) && want == Priv::Node,
        USER_ADMIN => matches!(target, PrivObject::System) && want == Priv::Grant,
        _ => return None,
    })
}

/// True when the built-in `role` allows anything on `target`.
pub fn builtin_allows_any(role: &str, target: &PrivObject) -> Option<bool> {
    Some(match role {
        ROOT | DB_ADMIN => true,
        CLUSTER_ADMIN | USER_ADMIN => matches!(target, PrivObject::System),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_roles_allow_what_starrocks_grants_them() {
        let t = PrivObject::Table {
            db: Some(1),
            table: Some(2),
        };
        assert_eq!(
            builtin_allows(ROOT, Priv::Grant, &PrivObject::System),
            Some(true)
        );
        assert_eq!(builtin_allows(DB_ADMIN, Priv::Insert, &t), Some(true));
        assert_eq!(
            builtin_allows(DB_ADMIN, Priv::Node, &PrivObject::System),
            Some(false)
        );
        assert_eq!(
            builtin_allows(DB_ADMIN, Priv::Operate, &PrivObject::System),
            Some(true)
        );
        assert_eq!(builtin_allows(USER_ADMIN, Priv::Select, &t), Some(false));
        assert_eq!(
            builtin_allows(CLUSTER_ADMIN, Priv::Node, &PrivObject::System),
            Some(true)
        );
        assert_eq!(builtin_allows(PUBLIC, Priv::Select, &t), None);
        assert_eq!(builtin_allows("r1", Priv::Select, &t), None);
    }
}
