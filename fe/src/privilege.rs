//! Users, roles and privileges: StarRocks's AuthenticationMgr (accounts, password hashes,
//! login) and AuthorizationMgr (grants, roles, checks) in one FE module.
//!
//! Layout:
//! - `types`: privilege and object types, grant entries (StarRocks's names and orders).
//! - `password`: mysql_native_password hashing and the login check.
//! - `roles`: the built-in roles (root, db_admin, cluster_admin, user_admin, public).
//! - `store`: persisted user and role records (`USER` / `ROLE` keys of `meta/keys.rs`).
//! - `mgr`: [`PrivilegeMgr`], the in-memory state and every change (each one atomic write).
//! - `check`: the privilege checks and StarRocks's access-denied error.
//! - `show`: SHOW GRANTS / SHOW USERS rows.
//!
//! Invariants: the plain text of a password is never stored or logged (only SHA1(SHA1(pw)));
//! `root`'@'%' always exists, holds the `root` role and cannot be dropped; a new cluster's
//! root has the password of config `root_password` (empty by default).

pub mod check;
pub mod mgr;
pub mod password;
pub mod roles;
pub mod show;
pub mod store;
pub mod types;

pub use mgr::{Principal, PrivilegeMgr};
